import PruneNN
import PruneTensor

/// A layer whose channels can be physically removed (Torch-Pruning's four methods). A new layer
/// type joins structured pruning by conforming.
public protocol ChannelPrunable: Module {
    /// Output channels (features).
    var prunableOutChannels: Int { get }
    /// Input channels (features) as the weight sees them.
    var prunableInChannels: Int { get }
    /// Keeps only these output channels (sorted indices).
    func pruneOutChannels(keeping: [Int])
    /// Keeps only these input channels (indices into the input dimension).
    func pruneInChannels(keeping: [Int])
}

/// Slicing helpers on tensors: keep indices along one axis.
enum Slice {
    static func keep(_ t: Tensor, axis: Int, indices: [Int]) -> Tensor {
        let shape = t.shape
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        var out = [Float]()
        out.reserveCapacity(outer * indices.count * inner)
        let s = t.scalars
        for o in 0..<outer {
            for i in indices {
                let base = (o * shape[axis] + i) * inner
                out.append(contentsOf: s[base..<(base + inner)])
            }
        }
        var newShape = shape
        newShape[axis] = indices.count
        return Tensor(unchecked: newShape, out)
    }

    static func keep(_ p: Parameter, axis: Int, indices: [Int]) {
        p.bake()
        p.value = keep(p.value, axis: axis, indices: indices)
        p.grad = nil
    }
}

extension Linear: ChannelPrunable {
    public var prunableOutChannels: Int { outFeatures }
    public var prunableInChannels: Int { inFeatures }
    public func pruneOutChannels(keeping k: [Int]) {
        Slice.keep(weight, axis: 0, indices: k)
        if let bias { Slice.keep(bias, axis: 0, indices: k) }
    }
    public func pruneInChannels(keeping k: [Int]) { Slice.keep(weight, axis: 1, indices: k) }
}

extension Conv2d: ChannelPrunable {
    public var prunableOutChannels: Int { outChannels }
    public var prunableInChannels: Int { weight.shape[1] }
    public func pruneOutChannels(keeping k: [Int]) {
        Slice.keep(weight, axis: 0, indices: k)
        if let bias { Slice.keep(bias, axis: 0, indices: k) }
        if geometry.groups > 1 { geometry.groups = k.count }   // depthwise: one group per channel
    }
    public func pruneInChannels(keeping k: [Int]) { Slice.keep(weight, axis: 1, indices: k) }
}

extension BatchNorm: ChannelPrunable {
    public var prunableOutChannels: Int { channels }
    public var prunableInChannels: Int { channels }
    public func pruneOutChannels(keeping k: [Int]) {
        Slice.keep(weight, axis: 0, indices: k)
        Slice.keep(bias, axis: 0, indices: k)
        runningMean.value = Slice.keep(runningMean.value, axis: 0, indices: k)
        runningVar.value = Slice.keep(runningVar.value, axis: 0, indices: k)
    }
    public func pruneInChannels(keeping k: [Int]) { pruneOutChannels(keeping: k) }
}

extension LayerNorm: ChannelPrunable {
    public var prunableOutChannels: Int { weight.shape[0] }
    public var prunableInChannels: Int { weight.shape[0] }
    public func pruneOutChannels(keeping k: [Int]) {
        Slice.keep(weight, axis: 0, indices: k)
        Slice.keep(bias, axis: 0, indices: k)
    }
    public func pruneInChannels(keeping k: [Int]) { pruneOutChannels(keeping: k) }
}

/// Layers that leave channels as they are (activations, pooling, dropout).
public protocol ChannelPassThrough: Module {}
extension ReLU: ChannelPassThrough {}
extension LeakyReLU: ChannelPassThrough {}
extension GELU: ChannelPassThrough {}
extension Tanh: ChannelPassThrough {}
extension Sigmoid: ChannelPassThrough {}
extension MaxPool2d: ChannelPassThrough {}
extension AvgPool2d: ChannelPassThrough {}
extension GlobalAvgPool2d: ChannelPassThrough {}
extension Dropout: ChannelPassThrough {}
