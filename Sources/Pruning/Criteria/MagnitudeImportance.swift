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
}
