/// Layer-adaptive magnitude-based pruning scores (Lee et al., "Layer-adaptive Sparsity for the
/// Magnitude-based Pruning", ICLR 2021): with a layer's weights sorted by ascending w², the score of
/// weight u is w_u² / Σ_{v ≥ u} w_v². Meant for a global scope: it sets per-layer sparsities without
/// hand tuning. For group patterns the groups' squared norms are scored the same way.
public struct LAMPImportance: ImportanceCriterion {
    public let name = "lamp"
    public init() {}

    public func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float] {
        target.parameter.value.scalars.map { $0 * $0 }
    }

    public func groupScores(_ target: PruningTarget, groups: PatternGroups,
                            statistics: CalibrationStatistics) throws -> [Double] {
        let squares = groups.sum(try elementScores(target, statistics: statistics))
        let order = squares.indices.sorted { squares[$0] < squares[$1] || (squares[$0] == squares[$1] && $0 < $1) }
        var scores = [Double](repeating: 0, count: squares.count)
        var suffix = 0.0
        for i in order.reversed() {
            suffix += squares[i]
            scores[i] = suffix > 0 ? squares[i] / suffix : 0
        }
        return scores
    }
}

extension LAMPImportance: RegisteredCriterion {
    public static let variants = [CriterionVariant("lamp") { _ in LAMPImportance() }]
}
