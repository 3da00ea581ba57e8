import PrunePruning

extension StructuredSettings {
    /// The structured target these settings name.
    public var structuredTarget: StructuredTarget {
        switch target {
        case .flops: return .flops(ratio)
        case .parameters: return .parameters(ratio)
        case .channels: return .channelRatio(ratio)
        }
    }

    /// The pruner these settings describe (`seed` feeds the random criterion and calibration).
    public func pruner(seed: UInt64) throws -> StructuredPruner {
        var pruner = StructuredPruner(criterion: try importance.make(seed: seed), aggregation: aggregation,
                                      target: structuredTarget, minimumKept: minimumKept, seed: seed)
        pruner.roundTo = roundTo
        pruner.reconstruction = try reconstruction.map(ChannelReconstructions.named)
        return pruner
    }
}
