/// First-order Taylor importance |g·w|: the estimated change of the loss when a weight is removed,
/// with g the mean over the calibration batches of the mini-batch mean gradient (the |g·w| form, not
/// (g·w)²; Molchanov et al., "Pruning Convolutional Neural Networks for Resource Efficient
/// Inference", ICLR 2017).
public struct TaylorImportance: ImportanceCriterion {
    public let name = "taylor"
    public let needs: [any CalibrationNeed] = [LossGradients()]
    public init() {}

    public func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float] {
        let g = try statistics.meanGradient(target.path)
        return zip(g, target.parameter.value.scalars).map { abs($0 * $1) }
    }
}

/// Fisher pruning ½·F_kk·w_k²: the loss increase second-order Taylor predicts with the diagonal
/// empirical Fisher F for the Hessian (Theis et al., "Faster gaze prediction with dense networks and
/// Fisher pruning", 2018; Liu et al., "Group Fisher Pruning", ICML 2021). F_kk = (1/N)Σ_n (∂L_n/∂w_k)²
/// is approximated from mini-batch gradients as B·mean_b(ḡ_b²), B the batch size (exact in
/// expectation when the per-example gradients are independent with mean zero).
public struct FisherImportance: ImportanceCriterion {
    public let name = "fisher"
    public let needs: [any CalibrationNeed] = [LossGradients()]
    public init() {}

    public func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float] {
        let f = try statistics.meanSquaredGradient(target.path)
        return zip(f, target.parameter.value.scalars).map { 0.5 * $0 * $1 * $1 }
    }
}

extension TaylorImportance: RegisteredCriterion {
    public static let variants = [CriterionVariant("taylor") { _ in TaylorImportance() }]
}

extension FisherImportance: RegisteredCriterion {
    public static let variants = [CriterionVariant("fisher") { _ in FisherImportance() }]
}
