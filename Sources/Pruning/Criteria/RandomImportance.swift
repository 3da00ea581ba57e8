import PruneTensor

/// Random scores: the baseline every criterion must beat. Seeded; the same seed and layer give the
/// same scores.
public struct RandomImportance: ImportanceCriterion {
    public let name = "random"
    public var seed: UInt64
    public init(seed: UInt64 = 0) { self.seed = seed }

    public func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float] {
        var h: UInt64 = seed ^ 0xCBF2_9CE4_8422_2325
        for b in target.path.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        var rng = RandomGenerator(seed: h)
        return Tensor.uniform([target.count], low: 0, high: 1, using: &rng).scalars
    }
}

extension RandomImportance: RegisteredCriterion {
    public static let variants = [CriterionVariant("random") { RandomImportance(seed: $0) }]
}
