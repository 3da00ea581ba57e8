import PruneNN
import PruneTensor

/// Layer-by-layer sensitivity analysis (the reference texts' "Sensitivity Analysis": the accuracy when
/// each layer alone is pruned to each of a list of sparsities; Han et al. 2015 and Li et al. 2017,
/// "Pruning Filters for Efficient ConvNets", used it to give robust layers more sparsity and sensitive
/// ones less). Each layer is masked by a weight-only criterion's scores (its smallest go), the model
/// is evaluated, optionally after re-estimating its BatchNorm statistics, and everything is restored
/// before the next point, so every point starts from the same model.
public struct SensitivityAnalysis {
    public var sparsities: [Double]
    public var criterion: any ImportanceCriterion
    /// Run after masking and before evaluating (BatchNorm recalibration); buffers are restored after.
    public var recalibration: BatchNormRecalibration?

    public init(sparsities: [Double], criterion: any ImportanceCriterion = MagnitudeImportance(),
                recalibration: BatchNormRecalibration? = nil) throws {
        guard !sparsities.isEmpty, sparsities.allSatisfy({ $0 >= 0 && $0 < 1 }) else {
            throw PruningError.invalidOption("sensitivity sparsities must be in [0, 1), got \(sparsities)")
        }
        guard criterion.needs.isEmpty else {
            throw PruningError.invalidOption("sensitivity analysis scores weights only; \(criterion.name) needs "
                                             + "calibration data (use magnitude, l1, l2, lamp, fpgm or random)")
        }
        self.sparsities = sparsities.sorted(); self.criterion = criterion; self.recalibration = recalibration
    }

    /// The curves of every target of `model`; `evaluate` returns the metric (higher is better) of the
    /// model as it is when called; `progress` hears each point.
    public func run(_ model: any Module, targets: [PruningTarget], evaluate: () throws -> Double,
                    progress: (String) -> Void = { _ in }) throws -> SensitivityReport {
        let buffers = model.buffers().map { ($0.buffer, $0.buffer.value) }
        let baseline = try evaluate()
        var curves: [SensitivityCurve] = []
        for target in targets {
            let scores = try criterion.elementScores(target, statistics: CalibrationStatistics())
            let savedMask = target.parameter.mask
            var points: [SensitivityPoint] = []
            for s in sparsities {
                let kept = MaskSelection.keptCount(target.count, density: 1 - s)
                let mask = zip(MaskSelection.keepLargest(scores, count: kept), target.maskScalars).map { $0 * $1 }
                target.parameter.mask = Tensor(unchecked: target.shape, mask)
                defer { target.parameter.mask = savedMask; for (b, v) in buffers { b.value = v } }
                try recalibration?.apply(to: model)
                points.append(SensitivityPoint(sparsity: s, metric: try evaluate()))
                progress(String(format: "%@ at %.0f%%: %.4f", target.path, s * 100, points.last!.metric))
            }
            curves.append(SensitivityCurve(layer: target.path, weights: target.count, points: points))
        }
        return SensitivityReport(baseline: baseline, curves: curves)
    }
}

/// One layer's metric at one sparsity.
public struct SensitivityPoint: Codable, Sendable, Equatable {
    public let sparsity: Double
    public let metric: Double
    public init(sparsity: Double, metric: Double) { self.sparsity = sparsity; self.metric = metric }
}

/// One layer's curve.
public struct SensitivityCurve: Codable, Sendable, Equatable {
    public let layer: String
    public let weights: Int
    public let points: [SensitivityPoint]
    public init(layer: String, weights: Int, points: [SensitivityPoint]) {
        self.layer = layer; self.weights = weights; self.points = points
    }
}

/// The curves of a sensitivity analysis and the allocation they give.
public struct SensitivityReport: Codable, Sendable, Equatable {
    /// The metric of the unpruned model.
    public let baseline: Double
    public let curves: [SensitivityCurve]
    public init(baseline: Double, curves: [SensitivityCurve]) { self.baseline = baseline; self.curves = curves }

    /// Per layer, the largest analysed sparsity whose metric stays within `maxDrop` of the baseline
    /// (and every smaller analysed sparsity too, so a noisy curve does not jump past a bad point);
    /// 0 when even the smallest drops more.
    public func allocation(maxDrop: Double) -> [String: Double] {
        var out: [String: Double] = [:]
        for c in curves {
            let ok = c.points.prefix { baseline - $0.metric <= maxDrop }
            out[c.layer] = ok.last?.sparsity ?? 0
        }
        return out
    }
}
