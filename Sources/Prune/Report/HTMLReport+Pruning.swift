import Foundation

extension PruningReport {
    /// Sparsity of each prunable layer (in percent).
    public func sparsityBars() -> BarPlot {
        var plot = BarPlot(title: "Per-layer sparsity", valueLabel: "weights removed (%)")
        plot.bars = layers.map { ($0.path, $0.sparsity * 100) }
        return plot
    }

    /// Output units (rows, filters) each layer kept: the widths a structured job leaves.
    public func widthBars() -> BarPlot {
        let widths = layers.map { Double($0.shape.first ?? 0) }
        var plot = BarPlot(title: "Per-layer width", valueLabel: "output units kept", maximum: widths.max() ?? 1)
        plot.bars = zip(layers, widths).map { ($0.path, $1) }
        plot.color = "#2ca02c"
        return plot
    }

    /// The page `prune run --report` and `prune report` write for one pruning job.
    public func htmlReport(title: String = "Pruning report") -> HTMLReport {
        func pct(_ x: Double?) -> String { x.map { String(format: "%.2f", $0 * 100) } ?? "–" }
        let summary = HTMLReport.Block.table(header: ["", "value"], rows: [
            ["accuracy, dense (%)", pct(accuracyDense)], ["accuracy after pruning (%)", pct(accuracyAfterPruning)],
            ["accuracy after fine-tuning (%)", pct(accuracyAfterFineTuning)],
            ["in-scope sparsity (%)", pct(scopeSparsity)], ["parameters", "\(totalParameters)"],
            ["non-zero parameters", "\(totalNonzeros)"], ["MACs", "\(denseMACs ?? macs)"],
            ["non-zero MACs", "\(nonzeroMACs)"],
            ["energy per inference, % of dense (estimate: Yang et al. 2017 model, Eyeriss costs)",
             energyLeft.map { String(format: "%.1f", 100 * $0) } ?? "–"]]
            + settings.sorted { $0.key < $1.key }.map { [$0.key, $0.value] })
        var page = HTMLReport(title: title)
        page.sections.append(HTMLReport.Section("Summary", [summary]))
        let bars = denseParameters == nil ? sparsityBars() : widthBars()
        page.sections.append(HTMLReport.Section("Per layer", [.svg(bars.svg()), .table(
            header: ["layer", "shape", "parameters", "non-zero", "sparsity (%)", "MACs", "non-zero MACs", "in scope"],
            rows: layers.map { l in
                [l.path, l.shape.map(String.init).joined(separator: "×"), "\(l.parameters)", "\(l.nonzeros)",
                 String(format: "%.2f", l.sparsity * 100), "\(l.macs)", "\(l.nonzeroMACs)", l.inScope ? "yes" : "no"]
            })]))
        if let curve = fineTuningCurve, !curve.isEmpty {
            page.sections.append(HTMLReport.Section("Fine-tuning", [.svg(fineTuningPlot(curve).svg()), .table(
                header: ["epoch", "mean training loss"],
                rows: curve.map { ["\($0.epoch)", String(format: "%.4f", $0.loss)] })]))
        }
        return page
    }

    /// The mean training loss per fine-tuning epoch.
    func fineTuningPlot(_ curve: [FineTuningEpoch]) -> LinePlot {
        var plot = LinePlot(title: "Fine-tuning", xLabel: "epoch (all rounds)", yLabel: "mean training loss")
        plot.series = [.init(name: "training loss", color: LinePlot.palette[0],
                             points: curve.map { (Double($0.epoch), $0.loss, 0) })]
        return plot
    }
}

extension SensitivityJob.Report {
    /// The page `prune sensitivity --report` and `prune report` write: the curves and their table.
    public func htmlReport(maxDrop: Double = 0.01) -> HTMLReport {
        var page = HTMLReport(title: "Sensitivity of \(model) (\(criterion))")
        var blocks: [HTMLReport.Block] = [.svg(plot().svg())]
        let unit = self.unit ?? "layer", what = unit == "group" ? "fraction of channels" : "sparsity"
        for (report, name) in [(plain, "as trained"), (recalibrated, "BatchNorm recalibrated")] {
            guard let report, let first = report.curves.first else { continue }
            let levels = first.points.map { String(format: "%.0f%%", $0.sparsity * 100) }
            blocks.append(.paragraph(String(format: "Test accuracy (%%), each %@ pruned alone, %@; dense %.2f%%.",
                                            unit, name, report.baseline * 100)))
            blocks.append(.table(header: [unit] + levels, rows: report.curves.map { c in
                [c.layer] + c.points.map { String(format: "%.2f", $0.metric * 100) } }))
        }
        let best = recalibrated ?? plain
        let allocation = best.allocation(maxDrop: maxDrop)
        blocks.append(.paragraph(String(format: "Largest %@ per %@ within a %.2f-point drop: ", what, unit,
                                        maxDrop * 100)
                                 + allocation.sorted { $0.key < $1.key }
                                    .map { "\($0.key) \(String(format: "%.0f%%", $0.value * 100))" }
                                    .joined(separator: ", ")))
        page.sections.append(HTMLReport.Section("Per-\(unit) sensitivity", blocks))
        return page
    }
}
