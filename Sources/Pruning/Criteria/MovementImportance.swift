/// Movement pruning: S = −Σ_t w_t·g_t over fine-tuning steps; weights moving away from zero score
/// high, weights shrinking toward zero score low, whatever their magnitude (Sanh, Wolf & Rush,
/// "Movement Pruning: Adaptive Sparsity by Fine-Tuning", NeurIPS 2020). Scoring runs
/// `calibrationBatches` fine-tuning steps, which stay in the model.
public struct MovementImportance: ImportanceCriterion {
    public let name = "movement"
    public let needs: [any CalibrationNeed] = [MovementScores()]
    public init() {}

    public func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float] {
        try statistics.movement(target.path)
    }
}

extension MovementImportance: RegisteredCriterion {
    public static let variants = [CriterionVariant("movement") { _ in MovementImportance() }]
}
