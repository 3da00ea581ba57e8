/// Weight magnitude (Han et al., "Learning both Weights and Connections for Efficient Neural
/// Networks", 2015); for groups, the L1 or L2 norm of the group (Li et al., "Pruning Filters for
/// Efficient ConvNets", 2017).
public struct MagnitudeImportance: ImportanceCriterion {
    public enum Norm: Sendable { case l1, l2 }
    public var norm: Norm
    public var name: String { norm == .l1 ? "magnitude" : "l2" }
    public init(norm: Norm = .l1) { self.norm = norm }

    /// |w| (L1) or w² (L2: the group sum is the squared norm, which ranks like the norm).
    public func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float] {
        let w = target.parameter.value.scalars
        return norm == .l1 ? w.map { abs($0) } : w.map { $0 * $0 }
    }

    /// The L1 norm of each group, or its L2 norm √Σw² (in double precision: groups of different
    /// layers are then compared by their norms, as filter pruning does).
    public func groupScores(_ target: PruningTarget, groups: PatternGroups,
                            statistics: CalibrationStatistics) throws -> [Double] {
        let w = target.parameter.value.scalars
        guard norm == .l2 else { return groups.sum(w.map { abs($0) }) }
        var squares = [Double](repeating: 0, count: groups.count)
        for (i, g) in groups.groupOf.enumerated() { squares[Int(g)] += Double(w[i]) * Double(w[i]) }
        return squares.map { $0.squareRoot() }
    }
}

extension MagnitudeImportance: RegisteredCriterion {
    public static let variants = [
        CriterionVariant("magnitude") { _ in MagnitudeImportance(norm: .l1) },
        CriterionVariant("l1") { _ in MagnitudeImportance(norm: .l1) },
        CriterionVariant("l2") { _ in MagnitudeImportance(norm: .l2) },
    ]
}
