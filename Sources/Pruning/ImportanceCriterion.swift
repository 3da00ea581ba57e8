/// An importance criterion: scores the weights of one layer; the lowest-scoring groups are pruned.
///
/// Criteria only compute scores (JaxPruner's separation): the pattern groups them, the scope decides
/// how many go. A new criterion is one new type.
public protocol ImportanceCriterion: Sendable {
    /// The name the CLI and recipes use.
    var name: String { get }
    /// The statistics it needs (none for weight-only criteria).
    var needs: [any CalibrationNeed] { get }
    /// Whether scores are compared only within each output row (Wanda: every row of W loses the same
    /// fraction of its weights) instead of across the whole scope.
    var comparesWithinOutputRows: Bool { get }
    /// One score per weight element.
    func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float]
    /// One score per group of the pattern; by default the sum of the element scores.
    func groupScores(_ target: PruningTarget, groups: PatternGroups,
                     statistics: CalibrationStatistics) throws -> [Double]
    /// For structured pruning: one score per channel of a dependency group from each member that
    /// scores it; by default ``producerChannelScores(_:statistics:)`` (the criterion's group scores of
    /// each producer's channel rows). The pruner aggregates the members (sum, mean or max).
    func memberChannelScores(_ group: ChannelGroupView, statistics: CalibrationStatistics) throws -> [[Double]]
}

extension ImportanceCriterion {
    public func memberChannelScores(_ group: ChannelGroupView, statistics: CalibrationStatistics) throws -> [[Double]] {
        try producerChannelScores(group, statistics: statistics)
    }

    public var needs: [any CalibrationNeed] { [] }
    public var comparesWithinOutputRows: Bool { false }

    public func groupScores(_ target: PruningTarget, groups: PatternGroups,
                            statistics: CalibrationStatistics) throws -> [Double] {
        groups.sum(try elementScores(target, statistics: statistics))
    }
}
