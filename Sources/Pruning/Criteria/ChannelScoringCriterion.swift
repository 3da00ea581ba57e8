/// A criterion that scores whole output channels (neurons, filters) from calibration statistics: every
/// weight of a channel gets its channel's score, and a group's score is its channels' mean (not a sum
/// over the weights), so channels of layers with different fan-in compare, in a global scope and
/// within a dependency group alike.
public protocol ChannelScoringCriterion: ImportanceCriterion {
    /// One score per output channel of the target's layer.
    func channelScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Double]
}

extension ChannelScoringCriterion {
    public func groupScores(_ target: PruningTarget, groups: PatternGroups,
                            statistics: CalibrationStatistics) throws -> [Double] {
        let sums = groups.sum(try elementScores(target, statistics: statistics))
        return zip(sums, groups.sizes).map { $0 / Double(max($1, 1)) }
    }

    public func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float] {
        let c = try channelScores(target, statistics: statistics)
        guard c.count == target.outputs else {
            throw PruningError.missingStatistics("\(target.layerPath): \(c.count) channel statistics for "
                                                 + "\(target.outputs) outputs")
        }
        var out = [Float](repeating: 0, count: target.count)
        for o in 0..<target.outputs { for j in 0..<target.fanIn { out[o * target.fanIn + j] = Float(c[o]) } }
        return out
    }
}
