/// First-order Taylor importance |g·w|: the estimated change of the loss when a weight is removed,
/// with g the mean gradient over the calibration batches (Molchanov et al., "Pruning Convolutional
/// Neural Networks for Resource Efficient Inference", ICLR 2017).
public struct TaylorImportance: ImportanceCriterion {
    public let name = "taylor"
    public let needs: Set<CalibrationNeed> = [.gradients]
    public init() {}

    public func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float] {
        let g = try statistics.meanGradient(target.path)
        return zip(g, target.parameter.value.scalars).map { abs($0 * $1) }
    }
}

/// Diagonal empirical Fisher × w²: F_kk·w_k² with F_kk the mean squared (mini-batch) gradient,
/// the loss increase second-order Taylor predicts with the Fisher for the Hessian (Theis et al.,
/// "Faster gaze prediction with dense networks and Fisher pruning", 2018; Liu et al., "Group Fisher
/// Pruning", ICML 2021).
public struct FisherImportance: ImportanceCriterion {
    public let name = "fisher"
    public let needs: Set<CalibrationNeed> = [.gradients]
    public init() {}

    public func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float] {
        let f = try statistics.meanSquaredGradient(target.path)
        return zip(f, target.parameter.value.scalars).map { $0 * $1 * $1 }
    }
}

/// SNIP connection sensitivity |g·w| / Σ|g·w| over every weight in scope, computed at initialization
/// (Lee, Ajanthan & Torr, "SNIP: Single-shot Network Pruning based on Connection Sensitivity", ICLR 2019).
public struct SNIPImportance: ImportanceCriterion {
    public let name = "snip"
    public let needs: Set<CalibrationNeed> = [.gradients]
    public init() {}

    public func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float] {
        let g = try statistics.meanGradient(target.path)
        let total = try statistics.totalSensitivity()
        return zip(g, target.parameter.value.scalars).map { abs($0 * $1) / Float(max(total, .leastNormalMagnitude)) }
    }
}
