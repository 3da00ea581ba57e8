import PruneNN
import PruneTensor

/// How a layer treats channels: what the dependency-graph tracer needs to group it and to count
/// its parameters and multiply-accumulates.
public enum ChannelTransform: Sendable, Equatable {
    /// Every output channel reads every input channel through `kernelArea` weights (Linear: 1;
    /// a convolution with one group: kh·kw), plus one bias per output when `bias`: it consumes the
    /// input channels and produces new ones.
    case mixing(kernelArea: Int, bias: Bool)
    /// One filter per channel (a depthwise convolution): channels pass through, kept in step.
    case depthwise(kernelArea: Int, bias: Bool)
    /// A per-channel scale and shift (BatchNorm; LayerNorm over the channel axis): channels pass
    /// through; two parameters per channel, no multiply-accumulates counted.
    case normalization
    /// A grouped convolution: each output reads `inputsPerOutput` input channels; its input and
    /// output channels stay as they are.
    case grouped(inputsPerOutput: Int, kernelArea: Int, bias: Bool)
    /// Channels that cannot be removed (a normalization over several axes, say); not counted.
    case fixed
}

/// Where a layer reads its channels in a tensor: axis 1 (`[N, C, H, W]`: convolutions, BatchNorm) or
/// the last axis (`[N, …, C]`: Linear, LayerNorm).
public enum ChannelAxis: Sendable, Equatable { case second, last }

/// A layer whose channels can be physically removed (Torch-Pruning's four methods, plus what the
/// tracer needs). A new layer type joins structured pruning by conforming: ``DependencyGraph``
/// traces any conforming layer from its ``channelTransform`` and ``channelAxis``; criteria score the
/// channels it produces on its ``PrunableWeightLayer/prunableWeight`` (a producer must conform to
/// ``PrunableWeightLayer`` too) or, for a normalization, on its ``channelScale``.
public protocol ChannelPrunable: Module {
    /// Output channels (features).
    var prunableOutChannels: Int { get }
    /// Input channels (features) as the weight sees them.
    var prunableInChannels: Int { get }
    /// How the layer treats channels.
    var channelTransform: ChannelTransform { get }
    /// The axis it reads channels on.
    var channelAxis: ChannelAxis { get }
    /// The per-channel scale γ of a normalization (what network slimming scores); nil for other layers.
    var channelScale: Parameter? { get }
    /// Keeps only these output channels (sorted indices).
    func pruneOutChannels(keeping: [Int])
    /// Keeps only these input channels (indices into the input dimension).
    func pruneInChannels(keeping: [Int])
    /// Takes the tensor shapes a structurally pruned checkpoint stores (`stored` maps an own
    /// parameter or buffer name to its shape), so the checkpoint then loads; by default every own
    /// parameter and buffer is resized (``ShapeAdaptation/resizeOwnTensors(of:_:)``).
    func adaptShapes(to stored: (String) -> [Int]?) throws
}

extension ChannelPrunable {
    public var channelScale: Parameter? { nil }
    public func adaptShapes(to stored: (String) -> [Int]?) throws { try ShapeAdaptation.resizeOwnTensors(of: self,
            stored) }
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
    public var channelTransform: ChannelTransform { .mixing(kernelArea: 1, bias: bias != nil) }
    public var channelAxis: ChannelAxis { .last }
    public func pruneOutChannels(keeping k: [Int]) {
        Slice.keep(weight, axis: 0, indices: k)
        if let bias { Slice.keep(bias, axis: 0, indices: k) }
    }
    public func pruneInChannels(keeping k: [Int]) { Slice.keep(weight, axis: 1, indices: k) }
}

extension Conv2d: ChannelPrunable {
    public var prunableOutChannels: Int { outChannels }
    public var prunableInChannels: Int { weight.shape[1] }
    public var channelTransform: ChannelTransform {
        let k = geometry.kernel.h * geometry.kernel.w, g = geometry.groups
        if g == 1 { return .mixing(kernelArea: k, bias: bias != nil) }
        if g == inChannels && g == outChannels { return .depthwise(kernelArea: k, bias: bias != nil) }
        return .grouped(inputsPerOutput: inChannels / g, kernelArea: k, bias: bias != nil)
    }
    public var channelAxis: ChannelAxis { .second }
    public func pruneOutChannels(keeping k: [Int]) {
        Slice.keep(weight, axis: 0, indices: k)
        if let bias { Slice.keep(bias, axis: 0, indices: k) }
        if geometry.groups > 1 { geometry.groups = k.count }   // depthwise: one group per channel
    }
    public func adaptShapes(to stored: (String) -> [Int]?) throws {
        let depthwise = geometry.groups > 1 && geometry.groups == outChannels
        try ShapeAdaptation.resizeOwnTensors(of: self, stored)
        if depthwise { geometry.groups = weight.value.shape[0] }
    }
    public func pruneInChannels(keeping k: [Int]) { Slice.keep(weight, axis: 1, indices: k) }
}

extension BatchNorm: ChannelPrunable {
    public var prunableOutChannels: Int { channels }
    public var prunableInChannels: Int { channels }
    public var channelTransform: ChannelTransform { .normalization }
    public var channelAxis: ChannelAxis { .second }
    public var channelScale: Parameter? { weight }
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
    public var channelTransform: ChannelTransform { weight.shape.count == 1 ? .normalization : .fixed }
    public var channelAxis: ChannelAxis { .last }
    public var channelScale: Parameter? { weight }
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
