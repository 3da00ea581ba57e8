/// The channels of one dependency group as a criterion sees them when structured pruning removes
/// whole channels (DepGraph's groups, Fang et al. CVPR 2023): the layers that produce the channels
/// (each channel owns `rowsPerChannel` consecutive rows of a producer's weight: an attention head's
/// rows, else one), the per-channel normalizations applied to them (BatchNorm/LayerNorm scales γ), and
/// the weighted layers that read them (what ThiNet and LASSO channel selection reconstruct).
public struct ChannelGroupView {
    public struct Producer {
        public let target: PruningTarget
        public let rowsPerChannel: Int
        public init(target: PruningTarget,
                    rowsPerChannel: Int) { self.target = target; self.rowsPerChannel = rowsPerChannel }
    }

    /// A layer that reads the group's channels: they are its input channels `firstChannel ..<
    /// firstChannel + channels`, each feeding `expansion` consecutive input features (a Linear after a
    /// Flatten; 1 otherwise).
    public struct Consumer {
        public let target: PruningTarget
        public let firstChannel: Int
        public let expansion: Int
        public init(target: PruningTarget, firstChannel: Int, expansion: Int) {
            self.target = target; self.firstChannel = firstChannel; self.expansion = max(expansion, 1)
        }
    }

    public let id: Int
    public let channels: Int
    public let producers: [Producer]
    public let normalizers: [PruningTarget]
    public let consumers: [Consumer]

    public init(id: Int, channels: Int, producers: [Producer], normalizers: [PruningTarget],
                consumers: [Consumer] = []) {
        self.id = id; self.channels = channels; self.producers = producers; self.normalizers = normalizers
        self.consumers = consumers
    }

    /// The pattern groups of a producer's weight that are this group's channels.
    public static func channelGroups(of producer: Producer) throws -> PatternGroups {
        let t = producer.target
        guard producer.rowsPerChannel > 1 else { return try PatternGroups.make(.outputChannels, for: t) }
        return try PatternGroups.make(.block(rows: producer.rowsPerChannel, columns: t.fanIn), for: t)
    }
}

extension ImportanceCriterion {
    /// Per producer, one score per channel: the criterion's group scores over the producer's
    /// channel rows. Every criterion that scores output channels can thus drive structured pruning.
    public func producerChannelScores(_ group: ChannelGroupView,
                                      statistics: CalibrationStatistics) throws -> [[Double]] {
        try group.producers.map { producer in
            let scores = try groupScores(producer.target, groups: try ChannelGroupView.channelGroups(of: producer),
                                         statistics: statistics)
            guard scores.count == group.channels else {
                throw PruningError.incompatible(layer: producer.target.path,
                                                reason: "\(scores.count) channel scores for a group of \(group.channels) channels")
            }
            return scores
        }
    }
}
