/// HRank (Lin et al., "HRank: Filter Pruning using High-Rank Feature Map", CVPR 2020): a filter's
/// importance is the average rank of the feature maps it produces over the calibration images; filters
/// whose maps have low rank carry little information and go first. The rank is counted on the
/// activation after the BatchNorm and ReLU that follow the layer (``FeatureMapRanks``), and scores are
/// per channel, for structured pruning (`--structured --channel-importance hrank`) or the channel pattern.
public struct HRankImportance: ChannelScoringCriterion {
    public var name: String { "hrank" }
    public let needs: [any CalibrationNeed] = [FeatureMapRanks()]
    public init() {}

    public func channelScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Double] {
        guard let ranks = statistics.custom[FeatureMapRanks.statisticKey]?[target.layerPath] else {
            throw PruningError.missingStatistics("no feature-map ranks measured for \(target.layerPath): hrank "
                                                 + "needs calibration data, and the layer must be reachable in the "
                                                 + "forward pass")
        }
        return ranks
    }
}

extension HRankImportance: RegisteredCriterion {
    public static let variants = [CriterionVariant("hrank") { _ in HRankImportance() }]
}
