import ArgumentParser
import Foundation
import Prune

/// `prune sensitivity`: each layer pruned alone to each sparsity, test accuracy, the allocation for a
/// largest drop, a plot.
struct Sensitivity: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sensitivity",
        abstract: "Per-layer sensitivity: test accuracy with each layer alone pruned to each sparsity.",
        discussion: "Example: prune sensitivity --model lenet300 --weights runs/lenet300.safetensors "
            + "--sparsities 0.5,0.7,0.9,0.95 --max-drop 0.01 --plot sensitivity.svg. For a model with BatchNorm "
            + "the curves are measured again after re-estimating the BatchNorm statistics. The allocation is, "
            + "per layer, the largest sparsity whose accuracy stays within --max-drop of the dense model's; "
            + "pass it to prune prune --layer-sparsity.")

    @Option(help: "Model: lenet300, lenet5, vgg-small, resnet-small, or an .onnx file.") var model = "lenet300"
    @Option(help: "Trained weights (safetensors) of a built-in model.") var weights: String?
    @Option(help: "Sparsities to prune each layer to (comma-separated).") var sparsities = "0.3,0.5,0.7,0.8,0.9,0.95"
    @Option(help: ArgumentHelp("A weight-only criterion: magnitude, l2, lamp, fpgm, random (with --groups: l1, l2, "
                               + "fpgm, bn, random; default l2)."))
    var criterion: String?
    @Flag(help: ArgumentHelp("Curves per dependency group (channels removed structurally, from a fresh copy per "
                             + "point) instead of per layer; the allocation is then a fraction of each group's "
                             + "channels."))
    var groups = false
    @Option(help: "Training batches for the BatchNorm recalibration (0: none).") var recalibrationBatches = 10
    @Option(help: "The largest accuracy drop (a fraction: 0.01 is one point) the allocation allows per layer.")
    var maxDrop = 0.01
    @Option(help: "Write the curves as an SVG plot.") var plot: String?
    @Option(help: "Write a self-contained HTML page with the curves, tables and allocation.") var report: String?
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var common: CommonOptions

    struct Output: Encodable {
        let report: SensitivityJob.Report
        let maxDrop: Double
        let allocation: [String: Double]
        let layerSparsity: String
    }

    var seed: UInt64 { common.seed ?? 0 }

    func validate() throws {
        try OptionBounds.atLeast(recalibrationBatches, 0, "--recalibration-batches")
        guard maxDrop >= 0, maxDrop < 1 else { throw ValidationError("--max-drop must be in [0, 1), got \(maxDrop)") }
    }

    func run() throws {
        let console = Console(quiet: common.quiet, json: common.json)
        do {
            for path in [plot, self.report].compactMap({ $0 }) { try AtomicFile.checkDestination(path) }
            let levels = try OptionLists.sparsities(sparsities, "--sparsities")
            let analysis = try SensitivityAnalysis(sparsities: levels, criterion: try ImportanceRegistry.make(
                groups ? "magnitude" : criterion ?? "magnitude", seed: seed))
            let pruner = groups ? try groupPruner() : nil
            let weights = self.weights ?? "runs/\(model).safetensors"
            let report = try SensitivityJob.run(.init(model: model, weights: weights, analysis: analysis,
                                                      recalibrationBatches: recalibrationBatches, seed: seed,
                                                      groupPruner: pruner),
                                                data: dataOptions.source, log: console)
            if let plot { try AtomicFile.write(Data(report.plot().svg().utf8), to: plot) }
            if let page = self.report { try report.htmlReport(maxDrop: maxDrop).write(to: page) }
            let chosen = report.recalibrated ?? report.plain
            let allocation = chosen.allocation(maxDrop: maxDrop)
            let flag = chosen.curves.map { c in "\(c.layer)=\(allocation[c.layer] ?? 0)" }.joined(separator: ",")
            if common.json {
                try console.emitJSON(Output(report: report, maxDrop: maxDrop, allocation: allocation,
                                            layerSparsity: flag))
                return
            }
            printTable(report)
            print(String(format: "allocation for a drop of at most %.2f points%@: %@ %@", maxDrop * 100,
                         report.recalibrated == nil ? "" : " (recalibrated curves)",
                         groups ? "fraction of channels per group" : "--layer-sparsity", flag))
            if let plot { console.info("wrote \(plot)") }
        } catch let e as ValidationError { throw e } catch { throw CLIError("sensitivity: \(error)") }
    }

    /// The structured pruner whose channel criterion the group curves use.
    func groupPruner() throws -> StructuredPruner {
        var settings = StructuredSettings()
        if let criterion { settings.importance = try CriterionName(parsing: criterion) }
        return try settings.pruner(seed: seed)
    }

    func printTable(_ report: SensitivityJob.Report) {
        let levels = report.plain.curves.first?.points.map(\.sparsity) ?? []
        print("| \(groups ? "group | channels" : "layer | weights") | "
              + levels.map { String(format: "%.0f%%", $0 * 100) }.joined(separator: " | ")
              + " |")
        print("|---|---|" + levels.map { _ in "---|" }.joined())
        for (r, suffix) in [(report.plain, ""), (report.recalibrated, " (BN recal.)")] {
            guard let r else { continue }
            for c in r.curves {
                print("| \(c.layer)\(suffix) | \(c.weights) | "
                      + c.points.map { String(format: "%.2f", $0.metric * 100) }.joined(separator: " | ") + " |")
            }
        }
        print(String(format: "(test accuracy %%; the dense model: %.2f%%; criterion %@)", report.plain.baseline * 100,
                     report.criterion))
    }
}
