import Foundation

extension SweepResults {
    /// Axes that set a target sparsity (`prune.sparsity`, `train.sparsity`): a plot's x values, not its series.
    var targetAxes: [String] { axes.filter { $0.hasSuffix("sparsity") } }

    /// Accuracy (mean ± std over seeds) against the measured sparsity, one line per method (the groups
    /// that differ only in their target sparsity).
    public func accuracyPlot() -> LinePlot {
        var plot = LinePlot(title: "Accuracy against sparsity", xLabel: "sparsity in scope (%)",
                            yLabel: "test accuracy (%)")
        plot.series = methodSeries { $0.sparsity }
        return plot
    }

    /// Accuracy against the multiply-accumulates left (logarithmic), one line per method, with the
    /// Pareto front of all groups dashed.
    public func macsPlot() -> LinePlot? {
        let front = paretoFront { $0.macsLeft }
        guard !front.isEmpty else { return nil }
        var plot = LinePlot(title: "Accuracy against compute (Pareto front dashed)", xLabel: "MACs left (%)",
                            yLabel: "test accuracy (%)")
        plot.logX = true
        plot.series = methodSeries { $0.macsLeft }
        plot.series.append(LinePlot.Series(name: "Pareto front", color: "#555", points: front.map {
            ($0.macsLeft! * 100, $0.accuracy.mean * 100, 0) }, dashed: true))
        return plot
    }

    /// One series per method (the labels of the axes other than the target-sparsity ones), its groups'
    /// accuracy against `x` (a fraction, plotted in percent) in increasing x.
    func methodSeries(x: (SweepGroup) -> Double?) -> [LinePlot.Series] {
        let targets = Set(targetAxes)
        var order: [String] = [], points: [String: [(x: Double, y: Double, error: Double)]] = [:]
        for g in groups {
            guard let value = x(g) else { continue }
            let name = g.labels.filter { !targets.contains($0.axis) }.map(\.value).joined(separator: ", ")
            if points[name] == nil { order.append(name) }
            let a = g.accuracy
            points[name, default: []].append((value * 100, a.mean * 100, a.std * 100))
        }
        return order.enumerated().map { i, name in
            LinePlot.Series(name: name.isEmpty ? "cells" : name, color: LinePlot.palette[i % LinePlot.palette.count],
                            points: points[name]!.sorted { $0.x < $1.x })
        }
    }

    /// The page `prune sweep merge --report` and `prune report` write.
    public func htmlReport(title: String = "Pruning sweep") -> HTMLReport {
        var page = HTMLReport(title: title)
        let seeds = seedAxes.isEmpty ? "one run per cell" : "mean ± std over \(seedAxes.joined(separator: ", "))"
        var plots: [HTMLReport.Block] = [
            .paragraph("\(cells.count) cells over axes \(axes.joined(separator: ", ")); \(seeds)."
                       + (missing.isEmpty ? "" : " \(missing.count) cells have no result yet.")),
            .svg(accuracyPlot().svg())]
        if let macs = macsPlot() { plots.append(.svg(macs.svg())) }
        page.sections.append(HTMLReport.Section("Accuracy against size", plots))
        page.sections.append(HTMLReport.Section("Summary", [HTMLReport.table(markdown: summaryTable())]))
        if let best = paretoFront(cost: { 1 - $0.sparsity }).first, let report = best.cells.first?.pruning {
            page.sections.append(HTMLReport.Section(
                "Per-layer sparsity of the sparsest cell on the Pareto front (\(best.cells[0].key))",
                [.svg(report.sparsityBars().svg())]))
        }
        page.sections.append(HTMLReport.Section("Every cell", [HTMLReport.table(markdown: table())]))
        return page
    }
}

extension HTMLReport {
    /// A table block from a Markdown table (header, separator, rows).
    public static func table(markdown: String) -> Block {
        let lines = markdown.split(separator: "\n").map { line in
            line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
        guard let header = lines.first else { return .table(header: [], rows: []) }
        return .table(header: header, rows: Array(lines.dropFirst(2)))
    }
}
