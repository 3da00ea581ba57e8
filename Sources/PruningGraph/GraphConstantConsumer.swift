import PruneAutodiff
import PruneNN

/// A graph constant that follows a group's channels: the graph tracer adds it to a group as a
/// consumer by hand (it is never traced as a layer), and pruning the group rewrites the constant.
protocol GraphConstantConsumer: ChannelPrunable {
    var graph: GraphModel { get }
    var constant: String { get }
    /// The extent the constant now gives the group's channels.
    var channels: Int { get }
}

extension GraphConstantConsumer {
    var prunableOutChannels: Int { channels }
    var prunableInChannels: Int { channels }
    var channelTransform: ChannelTransform { .fixed }
    var channelAxis: ChannelAxis { .last }
    func pruneOutChannels(keeping: [Int]) {}
    func forward(_ x: Variable) throws -> Variable { x }
}

/// An entry of an integer constant that holds a group's channel count — a Reshape target extent
/// (`x.view(-1, 64)` exported as a constant [-1, 64]) or a Split's size: removing channels rewrites
/// the entry, so the exported graph still runs.
final class ConstantEntryRewrite: GraphConstantConsumer {
    let graph: GraphModel
    let constant: String
    let index: Int
    /// How many times the channels repeat along the extent (heads folded into a batch axis: N).
    let repeats: Int
    private(set) var channels: Int
    var isTraining = false

    init(graph: GraphModel, constant: String, index: Int, channels: Int, repeats: Int = 1) {
        self.graph = graph; self.constant = constant; self.index = index; self.channels = channels
        self.repeats = repeats
    }

    func pruneInChannels(keeping k: [Int]) {
        guard case .integer(var t)? = graph.constants[constant], index < t.values.count else { return }
        t.values[index] = k.count * repeats
        graph.constants[constant] = .integer(t)
        channels = k.count * repeats
    }
}
