import PruneAutodiff
import PruneNN

/// A per-channel layer (BatchNorm, a depthwise convolution) after a concatenation (DenseNet's
/// blocks): its channels are the concatenated parts' channels in order, so it joins each part's
/// group as a consumer does, and its output channels are cut where the parts' channels go.
final class FollowerOfConcatenation: ChannelPrunable {
    let layer: any ChannelPrunable
    var isTraining = false

    init(_ layer: any ChannelPrunable) { self.layer = layer }

    var prunableOutChannels: Int { layer.prunableOutChannels }
    var prunableInChannels: Int { layer.prunableOutChannels }
    /// Never traced itself: ``DependencyGraph/add(_:_:)`` makes it when it meets a follower of a concatenation.
    var channelTransform: ChannelTransform { .fixed }
    var channelAxis: ChannelAxis { layer.channelAxis }
    func pruneOutChannels(keeping: [Int]) {}
    func pruneInChannels(keeping k: [Int]) { layer.pruneOutChannels(keeping: k) }
    func forward(_ x: Variable) throws -> Variable { try layer.forward(x) }
}
