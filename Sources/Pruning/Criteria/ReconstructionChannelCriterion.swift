/// A channel criterion that orders a group's channels by how little the layers reading them lose when
/// they go (ThiNet, LASSO channel selection): scores are ranks (the channel removed first scores 1), so
/// a group loses the algorithm's own choice at every count. It scores dependency groups only; the count
/// per group comes from the structured target (with `--structured-target channels`, every group loses
/// the same fraction, as in both papers). Calibration measures the consumers' input patches.
public protocol ReconstructionChannelCriterion: ImportanceCriterion {
    /// The group's channels, least important first.
    func removalOrder(gram: [Double], channels: Int) -> [Int]
}

extension ReconstructionChannelCriterion {
    public var needs: [any CalibrationNeed] { [InputPatchGrams()] }

    public func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float] {
        throw PruningError.incompatible(layer: target.path, reason: "\(name) chooses the channels of a dependency "
                                        + "group by reconstructing the layers that read them; use it for structured "
                                        + "pruning (--structured --channel-importance \(name))")
    }

    public func memberChannelScores(_ group: ChannelGroupView, statistics: CalibrationStatistics) throws -> [[Double]] {
        let gram = try ChannelContributionGram.make(group, statistics: statistics, method: name)
        var scores = [Double](repeating: 0, count: group.channels)
        for (rank, c) in removalOrder(gram: gram, channels: group.channels).enumerated() {
            scores[c] = Double(rank + 1)
        }
        return [scores]
    }
}

/// ThiNet (Luo et al., ICCV 2017): greedy removal of the channels whose absence changes the next layer's
/// output least (``ThiNetSelection``); pair it with `--reconstruct scales` (the paper's refit) or `weights`.
public struct ThiNetImportance: ReconstructionChannelCriterion, RegisteredCriterion {
    public var name: String { "thinet" }
    public init() {}
    public func removalOrder(gram: [Double], channels: Int) -> [Int] {
        ThiNetSelection.removalOrder(gram: gram, channels: channels)
    }
    public static let variants = [CriterionVariant("thinet") { _ in ThiNetImportance() }]
}

/// LASSO channel selection (He, Zhang & Sun, ICCV 2017; ``LassoChannelPath``); pair it with
/// `--reconstruct weights`, the paper's least-squares step.
public struct LassoChannelImportance: ReconstructionChannelCriterion, RegisteredCriterion {
    public var name: String { "lasso" }
    public let path: LassoChannelPath
    public init(path: LassoChannelPath = LassoChannelPath()) { self.path = path }
    public func removalOrder(gram: [Double], channels: Int) -> [Int] {
        path.removalOrder(gram: gram, channels: channels)
    }
    public static let variants = [CriterionVariant("lasso") { _ in LassoChannelImportance() }]
}
