import PruneAutodiff
import PruneTensor

/// A layer that can run at inference with an ``OutputEpilogue`` applied to each block of its output as
/// soon as it is computed (operator fusion: the activation, normalization or residual addition after a
/// convolution done while its output is in cache, instead of a pass of its own over the whole output).
public protocol EpilogueFusingLayer: Module {
    /// `x` through the layer followed by `epilogue`, without recording gradients; nil when the epilogue does
    /// not fit the layer's output.
    func forward(_ x: Tensor, epilogue: OutputEpilogue) throws -> Tensor?
}

/// A graph operator that can run as the epilogue of the layer before it.
public protocol EpilogueOperator: GraphOperator {
    /// This node's step when its input `chainInput` is the layer's output and `inputs` holds its inputs (the
    /// chain's one not yet computed); nil when it cannot run as one now.
    func epilogueStep(chainInput: Int, inputs: [GraphValue?]) -> (any OutputEpilogueStep)?
}

/// A layer (batch normalization at inference) that can run as the epilogue of the layer before it.
public protocol EpilogueLayer: Module {
    /// The layer as an epilogue step, or nil when it cannot be one now (training).
    var epilogueStep: (any OutputEpilogueStep)? { get }
}

extension Conv2d: EpilogueFusingLayer {
    public func forward(_ x: Tensor, epilogue: OutputEpilogue) throws -> Tensor? {
        guard x.rank == 4 else { return nil }
        let size = try geometry.outputSize(h: x.shape[2], w: x.shape[3], op: "conv2d")
        guard epilogue.accepts(outputShape: [x.shape[0], outChannels, size.h, size.w]) else { return nil }
        return try inference(x, epilogue: epilogue)
    }
}

extension BatchNorm: EpilogueLayer {
    /// At inference, the statistics folded into one scale and shift per channel, as ``forward(_:)`` applies
    /// them without gradients.
    public var epilogueStep: (any OutputEpilogueStep)? {
        guard !isTraining, let (scale, shift) = foldedScaleAndShift else { return nil }
        return ChannelAffineEpilogue(scale: scale, shift: shift)
    }
}

extension BatchNorm: EpilogueFusingLayer {
    /// At inference, the folded scale and shift and then the epilogue, range of planes by range of planes
    /// over the cores (a pre-activation BatchNorm → Relu before a convolution).
    public func forward(_ x: Tensor, epilogue: OutputEpilogue) throws -> Tensor? {
        guard !isTraining, x.rank >= 2, x.shape[1] == channels, epilogue.accepts(outputShape: x.shape),
              let (scale, shift) = foldedScaleAndShift else { return nil }
        return try Tensor.channelAffine(x, scale: scale, shift: shift, epilogue: epilogue)
    }
}

extension UnaryOperator: EpilogueOperator {
    public func epilogueStep(chainInput: Int, inputs: [GraphValue?]) -> (any OutputEpilogueStep)? {
        switch function {
        case .relu: return ReluEpilogue()
        case .leakyRelu(let slope): return LeakyReluEpilogue(slope: slope)
        default: return nil
        }
    }
}

extension BinaryOperator: EpilogueOperator {
    /// Addition or multiplication by a float tensor shaped like the output or with one value per channel.
    public func epilogueStep(chainInput: Int, inputs: [GraphValue?]) -> (any OutputEpilogueStep)? {
        guard inputs.count == 2, case .float(let other)? = inputs[1 - chainInput] else { return nil }
        switch function {
        case .add: return OperandEpilogue(.add, other: other.value)
        case .mul: return OperandEpilogue(.multiply, other: other.value)
        default: return nil
        }
    }
}

extension VariadicOperator: EpilogueOperator {
    /// A Sum of two inputs: the addition of the other.
    public func epilogueStep(chainInput: Int, inputs: [GraphValue?]) -> (any OutputEpilogueStep)? {
        guard kind == .sum, inputs.count == 2, case .float(let other)? = inputs[1 - chainInput] else { return nil }
        return OperandEpilogue(.add, other: other.value)
    }
}

extension ModuleOperator: EpilogueOperator {
    public func epilogueStep(chainInput: Int, inputs: [GraphValue?]) -> (any OutputEpilogueStep)? {
        guard chainInput == 0, padding == nil, !oneDimensional, let layer = module as? any EpilogueLayer else {
            return nil
        }
        return layer.epilogueStep
    }

    /// The layer on `inputs` with `epilogue` fused into its output (inference), or nil when the layer does not
    /// fuse or the epilogue does not fit.
    public func run(_ inputs: [GraphValue?], epilogue: OutputEpilogue) throws -> GraphValue? {
        guard !oneDimensional, let layer = module as? any EpilogueFusingLayer else { return nil }
        var x = try input(inputs, 0, "X").variable("X")
        if let padding { x = try padding.apply(x, fill: 0) }
        return try layer.forward(x.value, epilogue: epilogue).map { .float(Variable($0)) }
    }
}
