import CDenseKernels

/// One block of a layer's `[N, C, …]` output, just computed: channels `channels` of image `image`, positions
/// `positions` of each of those channels' planes (`plane` values per channel, `channelCount` channels).
public struct OutputBlock: Sendable {
    public let image: Int
    public let channelCount: Int
    public let plane: Int
    public let channels: Range<Int>
    public let positions: Range<Int>

    /// The flat index of the block's first position in channel `c`.
    public func offset(_ c: Int) -> Int { (image * channelCount + c) * plane + positions.lowerBound }
    /// The block's channels are whole planes, one contiguous run of values from ``offset(_:)`` of the first.
    public var isContiguous: Bool { positions.count == plane }
}

/// An elementwise or per-channel operation a layer applies to its own output right after computing each
/// block of it, while the block is in cache, instead of a separate pass over the whole output (operator
/// fusion at inference, as inference runtimes fold activations and normalizations into convolutions).
/// A step must give the same values, bit for bit, as the operation it replaces run on the whole output.
public protocol OutputEpilogueStep: Sendable {
    /// Whether the step applies to an output of this shape.
    func accepts(outputShape: [Int]) -> Bool
    /// Applies the step in place to one block of the output `y`.
    func apply(_ y: UnsafeMutablePointer<Float>, _ block: OutputBlock)
    /// The step as Prune's sgemm applies it to each output tile in registers (``prune_epilogue_step``, its
    /// pointers valid during `body`) for an output of `channelCount` channels, or nil when it has no such form
    /// (the default): the layer then applies ``apply(_:_:)`` to each block.
    func withKernelStep<R>(channelCount: Int, _ body: (prune_epilogue_step?) -> R) -> R
}

/// The steps a layer applies to each block of its output, in order.
public struct OutputEpilogue: Sendable {
    public let steps: [any OutputEpilogueStep]
    public init(_ steps: [any OutputEpilogueStep]) { self.steps = steps }

    public func accepts(outputShape: [Int]) -> Bool { steps.allSatisfy { $0.accepts(outputShape: outputShape) } }

    public func apply(_ y: UnsafeMutablePointer<Float>, _ block: OutputBlock) {
        for step in steps { step.apply(y, block) }
    }

    /// Applies the steps to output planes `planes` (flat plane index = image·channelCount + channel) of an
    /// output of `channelCount` channels and `plane` values per channel, one block per image: in one pass
    /// through `kernel` (the steps' kernel form, ``withKernelEpilogue(channelCount:_:)``) where it runs, else
    /// step by step.
    public func apply(_ y: UnsafeMutablePointer<Float>, planes: Range<Int>, channelCount: Int, plane: Int,
                      kernel: prune_epilogue? = nil) {
        var p = planes.lowerBound
        while p < planes.upperBound {
            let image = p / channelCount, first = p % channelCount
            let last = Swift.min(channelCount, first + planes.upperBound - p)
            defer { p += last - first }
            if var e = kernel {
                e.channel0 = Int64(first)
                e.origin = Int64(p * plane)
                let rows = Int64(last - first), width = Int64(plane)
                if prune_epilogue_rows_f32(&e, y + p * plane, rows, width, width) != 0 { continue }
            }
            apply(y, OutputBlock(image: image, channelCount: channelCount, plane: plane, channels: first..<last,
                                 positions: 0..<plane))
        }
    }
}

extension OutputEpilogueStep {
    public func withKernelStep<R>(channelCount: Int, _ body: (prune_epilogue_step?) -> R) -> R { body(nil) }

    /// Calls `body(start, count)` for each run of contiguous values of `block`.
    func forEachRun(_ block: OutputBlock, _ body: (Int, Int) -> Void) {
        if block.isContiguous, let first = block.channels.first {
            body(block.offset(first), block.channels.count * block.plane)
            return
        }
        for c in block.channels { body(block.offset(c), block.positions.count) }
    }
}

/// max(0, x) as ``Tensor/relu()`` computes it (``prune_relu_inplace_f32``).
public struct ReluEpilogue: OutputEpilogueStep {
    public init() {}
    public func withKernelStep<R>(channelCount: Int, _ body: (prune_epilogue_step?) -> R) -> R {
        body(prune_epilogue_step(kind: Int32(PRUNE_EPILOGUE_RELU), slope: 0, scale: nil, shift: nil,
                                 step: 0, operand: nil))
    }
    public func accepts(outputShape: [Int]) -> Bool { true }
    public func apply(_ y: UnsafeMutablePointer<Float>, _ block: OutputBlock) {
        forEachRun(block) { start, count in prune_relu_inplace_f32(y + start, Int64(count)) }
    }
}

/// x > 0 ? x : slope·x, as leaky ReLU computes it.
public struct LeakyReluEpilogue: OutputEpilogueStep {
    public let slope: Float
    public init(slope: Float) { self.slope = slope }
    public func withKernelStep<R>(channelCount: Int, _ body: (prune_epilogue_step?) -> R) -> R {
        body(prune_epilogue_step(kind: Int32(PRUNE_EPILOGUE_LEAKY_RELU), slope: slope, scale: nil,
                                 shift: nil, step: 0, operand: nil))
    }
    public func accepts(outputShape: [Int]) -> Bool { true }
    public func apply(_ y: UnsafeMutablePointer<Float>, _ block: OutputBlock) {
        forEachRun(block) { start, count in prune_leaky_relu_inplace_f32(y + start, slope, Int64(count)) }
    }
}

/// x·scale[c] + shift[c] per channel, as ``Tensor/channelAffine(_:scale:shift:)`` computes it (batch
/// normalization at inference).
public struct ChannelAffineEpilogue: OutputEpilogueStep {
    public let scale: [Float]
    public let shift: [Float]
    public init(scale: [Float], shift: [Float]) { self.scale = scale; self.shift = shift }
    public func withKernelStep<R>(channelCount: Int, _ body: (prune_epilogue_step?) -> R) -> R {
        scale.withUnsafeBufferPointer { s in
            shift.withUnsafeBufferPointer { t in
                body(prune_epilogue_step(kind: Int32(PRUNE_EPILOGUE_AFFINE), slope: 0, scale: s.baseAddress,
                                         shift: t.baseAddress, step: 1, operand: nil))
            }
        }
    }
    public func accepts(outputShape: [Int]) -> Bool {
        outputShape.count >= 2 && outputShape[1] == scale.count && shift.count == scale.count
    }
    public func apply(_ y: UnsafeMutablePointer<Float>, _ block: OutputBlock) {
        for c in block.channels {
            prune_affine_inplace_f32(y + block.offset(c), scale[c], shift[c], Int64(block.positions.count))
        }
    }
}

/// x + other or x·other, with `other` shaped like the output or broadcast along it with one value per
/// channel (axis 1) or one value in all (a residual connection's addition; a per-channel scale or shift).
public struct OperandEpilogue: OutputEpilogueStep {
    public enum Operation: Sendable { case add, multiply }
    public let operation: Operation
    public let other: Tensor
    public init(_ operation: Operation, other: Tensor) { self.operation = operation; self.other = other }

    /// Whether `other` has one value per channel of the output (or one in all): every axis 1 but axis 1,
    /// right-aligned to the output's axes.
    func isPerChannel(_ outputShape: [Int]) -> Bool {
        let offset = outputShape.count - other.rank
        guard offset >= 0, outputShape.count >= 2 else { return false }
        return other.shape.enumerated().allSatisfy { axis, extent in
            extent == 1 || (axis + offset == 1 && extent == outputShape[1])
        }
    }

    public func accepts(outputShape: [Int]) -> Bool { other.shape == outputShape || isPerChannel(outputShape) }

    /// Read as ``apply(_:_:)`` reads `other`: by flat index when it has more values than channels, else one
    /// value per channel (or one in all).
    public func withKernelStep<R>(channelCount: Int, _ body: (prune_epilogue_step?) -> R) -> R {
        let kind = Int32(operation == .add ? PRUNE_EPILOGUE_ADD : PRUNE_EPILOGUE_MULTIPLY)
        return other.scalars.withUnsafeBufferPointer { o in
            let whole = other.count > channelCount, step: Int64 = other.count == 1 ? 0 : 1
            let values = whole ? nil : o.baseAddress
            return body(prune_epilogue_step(kind: kind, slope: 0, scale: operation == .multiply ? values : nil,
                                            shift: operation == .add ? values : nil, step: step,
                                            operand: whole ? o.baseAddress : nil))
        }
    }

    public func apply(_ y: UnsafeMutablePointer<Float>, _ block: OutputBlock) {
        other.scalars.withUnsafeBufferPointer { op in
            let o = op.baseAddress!
            // Shaped like the output (more values than channels), or one value per channel or in all:
            // when the counts tie (one position per channel and image) both readings agree.
            if other.count > block.channelCount {
                forEachRun(block) { start, count in elementwise(y + start, o + start, count) }
                return
            }
            for c in block.channels {
                let v = other.count == 1 ? o[0] : o[c]
                scalar(y + block.offset(c), v, block.positions.count)
            }
        }
    }

    func elementwise(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) {
        switch operation {
        case .add: prune_add_f32(y, x, Int64(n))
        case .multiply: prune_multiply_f32(y, x, Int64(n))
        }
    }

    func scalar(_ y: UnsafeMutablePointer<Float>, _ v: Float, _ n: Int) {
        switch operation {
        case .add: prune_shift_inplace_f32(y, v, Int64(n))
        case .multiply: prune_scale_inplace_f32(y, v, Int64(n))
        }
    }
}
