import PrunePruning

extension StructuredSettings {
    /// The structured target these settings name. A latency target is met by a ratio search (``validate()``
    /// requires one), whose per-group ratios replace this target; on its own it would budget MACs.
    public var structuredTarget: StructuredTarget {
        switch target {
        case .flops, .latency, .energy: return .flops(ratio)
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
