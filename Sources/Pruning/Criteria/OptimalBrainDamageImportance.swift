/// Optimal Brain Damage saliency ½·h_kk·w_k² (LeCun, Denker & Solla, NeurIPS 1989), with the Hessian
/// diagonal estimated by Hutchinson's method: diag(H) ≈ mean over Rademacher vectors v of v ⊙ Hv, and
/// Hv ≈ (g(w + εv) − g(w − εv)) / 2ε.
public struct OptimalBrainDamageImportance: ImportanceCriterion {
    public let name = "obd"
    public let needs: [any CalibrationNeed] = [HessianDiagonal()]
    public init() {}

    public func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float] {
        let h = try statistics.hessianDiagonal(target.path)
        // A negative curvature estimate (noise, or a saddle) is clamped to 0: removing the weight is
        // then predicted to cost nothing at second order.
        return zip(h, target.parameter.value.scalars).map { 0.5 * max($0, 0) * $1 * $1 }
    }
}

extension OptimalBrainDamageImportance: RegisteredCriterion {
    public static let variants = [CriterionVariant("obd") { _ in OptimalBrainDamageImportance() }]
}
