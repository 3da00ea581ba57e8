import PruneNN
import PrunePruning
import PruneTensor

/// Sensitivity per dependency group (Li et al., "Pruning Filters for Efficient ConvNets", ICLR 2017,
/// §4.2, where each layer's filters are pruned alone; here each group of channels that must go together,
/// so a residual stage is one curve): every group alone loses each fraction of its channels, chosen by a
/// weight-only channel criterion, from a fresh copy of the model that is then evaluated, optionally after
/// re-estimating its BatchNorm statistics. Curves are named by the group's producers and report its
/// channels in `weights`; ``SensitivityReport/allocation(maxDrop:)`` gives per-group ratios.
public struct GroupSensitivityAnalysis {
    public var levels: [Double]
    /// Scores the channels; its target is replaced by each point's group ratios.
    public var pruner: StructuredPruner
    public var recalibration: BatchNormRecalibration?

    public init(levels: [Double], pruner: StructuredPruner, recalibration: BatchNormRecalibration? = nil) throws {
        guard !levels.isEmpty, levels.allSatisfy({ $0 >= 0 && $0 < 1 }) else {
            throw StructuredPruningError.invalid("sensitivity sparsities must be in [0, 1), got \(levels)")
        }
        guard pruner.criterion.needs.isEmpty else {
            throw StructuredPruningError.invalid("group sensitivity scores channels from the weights only; "
                                                 + "\(pruner.criterion.name) needs calibration data (use l1, l2, "
                                                 + "fpgm, bn or random)")
        }
        self.levels = levels.sorted(); self.pruner = pruner; self.recalibration = recalibration
    }

    /// The curves of every group of the model `reload` returns (a fresh copy each call); `evaluate`
    /// returns the metric (higher is better) of the model it is given.
    public func run(reload: () throws -> any Module, example: Tensor, evaluate: (any Module) throws -> Double,
                    progress: (String) -> Void = { _ in }) throws -> SensitivityReport {
        let dense = try reload()
        let graph = try DependencyGraph(tracing: dense, example: example)
        guard !graph.groups.isEmpty else { throw StructuredPruningError.noRemovableChannels }
        let baseline = try evaluate(dense)
        var curves: [SensitivityCurve] = []
        for (g, group) in graph.groups.enumerated() {
            let name = group.producers.map(\.path).joined(separator: "+")
            var points: [SensitivityPoint] = []
            for level in levels {
                var ratios = [Double](repeating: 0, count: graph.groups.count)
                ratios[g] = level
                var p = pruner
                p.target = .groupRatios(ratios)
                p.reconstruction = nil
                let model = try reload()
                _ = try p.prune(model, example: example)
                if let recalibration, BatchNormRecalibration.applies(to: model) { try recalibration.apply(to: model) }
                points.append(SensitivityPoint(sparsity: level, metric: try evaluate(model)))
                progress(String(format: "%@ at %.0f%%: %.4f", name, level * 100, points.last!.metric))
            }
            curves.append(SensitivityCurve(layer: name, weights: group.channels, points: points))
        }
        return SensitivityReport(baseline: baseline, curves: curves)
    }
}
