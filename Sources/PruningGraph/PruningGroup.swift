import PruneNN

/// One member of a pruning group and how it meets the group's channels.
public struct GroupMember {
    public enum Role: Sendable { case producer, follower, consumer }
    public let path: String
    public let layer: any ChannelPrunable
    public let role: Role
    /// For consumers after a Flatten: each channel feeds `expansion` consecutive input features.
    public let expansion: Int
    /// For consumers of a concatenation: the groups whose channels come before this group's in the
    /// consumer's input, and the ones after (their current widths give the index mapping).
    public var before: [PruningGroup] = []
    public var after: [PruningGroup] = []
    /// Fixed channels before and after this group's segment (unprunable concatenated branches).
    public var fixedBefore = 0
    public var fixedAfter = 0
}

/// Channels that must be removed together: the outputs of the producers, the per-channel
/// followers (BatchNorm, depthwise convolutions) and the matching inputs of the consumers — across
/// residual additions, which force equal channels on both branches (Fang et al., "DepGraph:
/// Towards Any Structural Pruning", CVPR 2023).
public final class PruningGroup {
    public let id: Int
    public internal(set) var channels: Int
    public internal(set) var members: [GroupMember] = []

    init(id: Int, channels: Int) { self.id = id; self.channels = channels }

    public var producers: [GroupMember] { members.filter { $0.role == .producer } }
    public var followers: [GroupMember] { members.filter { $0.role == .follower } }
    public var consumers: [GroupMember] { members.filter { $0.role == .consumer } }

    /// Removes every channel not in `keeping` from every member.
    public func apply(keeping: [Int]) throws {
        let k = keeping.sorted()
        guard !k.isEmpty, Set(k).count == k.count, k.allSatisfy({ $0 >= 0 && $0 < channels }) else {
            throw StructuredPruningError.invalid("group \(id): keep indices must be distinct, in 0..<\(channels), and not empty")
        }
        for m in members {
            switch m.role {
            case .producer, .follower:
                // A producer may give each channel `expansion` consecutive outputs (the heads of an attention projection).
                m.layer.pruneOutChannels(keeping: m.expansion == 1 ? k : k.flatMap { c in (0..<m.expansion).map { c * m.expansion + $0 } })
            case .consumer:
                // Input channels of the consumer: [before groups | this group | after groups], each expanded.
                let offset = m.fixedBefore + m.before.reduce(0) { $0 + $1.channels }
                let trailing = m.fixedAfter + m.after.reduce(0) { $0 + $1.channels }
                let kept = Array(0..<offset) + k.map { offset + $0 } + (0..<trailing).map { offset + channels + $0 }
                let idx = kept.flatMap { c in (0..<m.expansion).map { c * m.expansion + $0 } }
                m.layer.pruneInChannels(keeping: idx)
            }
        }
        channels = k.count
    }
}
