import PruneTensor
import PruneAutodiff

/// A 2-D convolution over `[N, C, H, W]` with stride, padding, dilation and groups
/// (depthwise when groups equals the input channels). Weight `[O, C/groups, KH, KW]` as in PyTorch,
/// initialized like PyTorch (Kaiming-uniform with a = √5).
public final class Conv2d: Module {
    public let weight: Parameter
    public let bias: Parameter?
    public var geometry: Conv2dGeometry
    public var isTraining = true
    /// The filters packed for inference calls (see ``forward(_:epilogue:)``).
    let packedFilters = PackedFilterCache()

    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true, rng: inout RandomGenerator) {
        precondition(groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2d: \(inChannels) → \(outChannels) channels are not divisible by \(groups) groups")
        let shape = [outChannels, inChannels / groups, kernel, kernel]
        weight = Parameter(.kaimingUniform(shape, a: Float(5).squareRoot(), using: &rng))
        let bound = 1 / Float(Tensor.fans(of: shape).fanIn).squareRoot()
        self.bias = bias ? Parameter(.uniform([outChannels], low: -bound, high: bound, using: &rng)) : nil
        geometry = Conv2dGeometry(kernel: (kernel, kernel), stride: (stride, stride), padding: (padding, padding),
                                  dilation: (dilation, dilation), groups: groups)
    }

    /// A convolution with the given weight, bias and geometry.
    public init(weight: Tensor, bias: Tensor?, geometry: Conv2dGeometry) {
        self.weight = Parameter(weight)
        self.bias = bias.map { Parameter($0) }
        self.geometry = geometry
    }

    public var inChannels: Int { weight.shape[1] * geometry.groups }
    public var outChannels: Int { weight.shape[0] }

    public var ownParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    /// Without gradients, the inference path (filters packed once and kept between calls).
    public func forward(_ x: Variable) throws -> Variable {
        if !GradMode.isEnabled { return Variable(try inference(x.value, epilogue: nil)) }
        return try Variable.conv2d(x, weight: weight.variable(), bias: bias?.variable(), geometry: geometry)
    }

    /// The convolution of `x` without gradients, with the filters packed once and kept while the weight stays
    /// the same, and `epilogue` applied to each block of the output.
    func inference(_ x: Tensor, epilogue: OutputEpilogue?) throws -> Tensor {
        let filters = try weight.variable().value
        return try Tensor.conv2d(x, weight: filters, bias: try bias?.variable().value, geometry: geometry,
                                 epilogue: epilogue,
                                 packed: filters.shape[1] == 1 ? nil   // depthwise: no product
                                    : packedFilters.filters(of: weight, value: filters, groups: geometry.groups))
    }

    public var summary: String {
        let groups = geometry.groups > 1 ? ", groups \(geometry.groups)" : ""
        return "Conv2d(\(inChannels) → \(outChannels), \(geometry.kernel.h)×\(geometry.kernel.w), "
            + "stride \(geometry.stride.h), padding \(geometry.padding.h)\(groups))"
    }
}

extension Conv2d: PrunableWeightLayer {
    public var prunableWeight: Parameter { weight }
    public var weightGroups: Int { geometry.groups }
    /// Output pixels of one image.
    public func outputPositions(forInput input: Tensor) -> Int {
        guard input.rank == 4 else { return 0 }
        let g = geometry
        let oh = (input.shape[2] + 2 * g.padding.h - g.dilation.h * (g.kernel.h - 1) - 1) / g.stride.h + 1
        let ow = (input.shape[3] + 2 * g.padding.w - g.dilation.w * (g.kernel.w - 1) - 1) / g.stride.w + 1
        return oh * ow
    }
}
