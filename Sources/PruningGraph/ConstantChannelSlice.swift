import PruneAutodiff
import PruneNN
import PruneTensor

/// A float graph constant that an elementwise operator applies per channel (a BatchNorm written as
/// `x · γ + β` with γ, β of shape [C, 1, 1], a per-channel bias added after a MatMul): a consumer
/// of the channels' group, sliced along its channel axis when channels go, so the graph still runs
/// and the export writes the smaller constant.
final class ConstantChannelSlice: GraphConstantConsumer {
    let graph: GraphModel
    let constant: String
    let axis: Int
    private(set) var channels: Int
    var isTraining = false

    init(graph: GraphModel, constant: String, axis: Int, channels: Int) {
        self.graph = graph; self.constant = constant; self.axis = axis; self.channels = channels
    }

    func pruneInChannels(keeping k: [Int]) {
        guard case .float(let v)? = graph.constants[constant], axis < v.shape.count, v.shape[axis] == channels,
              let sliced = try? v.value.gather(axis: axis, indices: k) else { return }
        graph.constants[constant] = .float(Variable(sliced))
        channels = k.count
    }
}
