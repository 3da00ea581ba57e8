import PruneAutodiff
import PruneTensor

/// The depth axis of a 3-D Conv or pooling window: kernel, stride, dilation, padding (explicit, or
/// SAME_UPPER / SAME_LOWER resolved from the depth) and ceil mode, as ONNX defines them per axis.
public struct DepthWindow: Sendable, Equatable {
    public let kernel: Int, stride: Int, dilation: Int
    public let padBegin: Int, padEnd: Int
    public let autoPad: String?
    public let ceilMode: Bool

    public init(kernel: Int, stride: Int, dilation: Int, padBegin: Int, padEnd: Int, autoPad: String?,
                ceilMode: Bool) {
        self.kernel = kernel; self.stride = stride; self.dilation = dilation
        self.padBegin = padBegin; self.padEnd = padEnd; self.autoPad = autoPad; self.ceilMode = ceilMode
    }

    /// The same window with its kernel depth known (a weight fed at run time gives it).
    public func with(kernel: Int) -> DepthWindow {
        DepthWindow(kernel: kernel, stride: stride, dilation: dilation, padBegin: padBegin, padEnd: padEnd,
                    autoPad: autoPad, ceilMode: ceilMode)
    }

    /// The padding before and after a depth of `depth`, and the number of output slices.
    public func plan(depth: Int) -> (begin: Int, end: Int, outputs: Int) {
        let span = (kernel - 1) * dilation + 1
        var (begin, end) = (padBegin, padEnd)
        if let autoPad, autoPad.hasPrefix("SAME") {
            let total = Swift.max(((depth + stride - 1) / stride - 1) * stride + span - depth, 0)
            begin = autoPad == "SAME_LOWER" ? (total + 1) / 2 : total / 2
            end = total - begin
        }
        let room = depth + begin + end - span
        guard room >= 0 else { return (begin, end, 0) }
        var outputs = (ceilMode ? (room + stride - 1) / stride : room / stride) + 1
        // A window of ceil mode must start inside the input or its leading padding (PyTorch's rule).
        if ceilMode, (outputs - 1) * stride >= depth + begin { outputs -= 1 }
        return (begin, end, outputs)
    }

    /// A transposed convolution's padding and output depth for an input depth of `depth` (ONNX's
    /// ConvTranspose: an `outputShape` or SAME padding sets the total padding, split as the operator says).
    public func transposedPlan(depth: Int, outputPadding: Int,
                               outputShape: Int?) -> (begin: Int, end: Int, outputs: Int) {
        let span = (kernel - 1) * dilation + 1, full = stride * (depth - 1) + outputPadding + span
        var (begin, end) = (padBegin, padEnd)
        if let wanted = outputShape ?? (autoPad?.hasPrefix("SAME") == true ? depth * stride : nil) {
            let total = full - wanted
            (begin, end) = autoPad == "SAME_UPPER" ? (total / 2, total - total / 2) : (total - total / 2, total / 2)
        }
        return (begin, end, full - begin - end)
    }
}

/// A 3-D Conv, MaxPool or AveragePool over [N, C, D, H, W] run as its 2-D form on depth slices:
/// output slice `o` combines the 2-D results of the input slices `o·stride − begin + k·dilation`
/// that lie inside the input (a convolution sums them with the weight's slice k; max pooling takes
/// their maximum; average pooling averages the 2-D averages over the taps it counts). Every step
/// is a differentiable operation, so the gradients are those of the 3-D operator.
public struct DepthSlicedOperator: GraphOperator {
    public enum Kind: Sendable {
        case convolution, maxPool, averagePool(countIncludePad: Bool)
        /// ConvTranspose: output slice o gathers input slice i through tap k where
        /// o = i·stride − begin + k·dilation.
        case transposedConvolution(outputPadding: Int, outputShape: Int?)

        var hasWeight: Bool {
            switch self {
            case .convolution, .transposedConvolution: true
            case .maxPool, .averagePool: false
            }
        }
    }
    public let kind: Kind
    /// The depth window (kernel 0: the weight's depth, read when the operator runs).
    public let window: DepthWindow
    /// The 2-D operator on [N, C, H, W] (a convolution's gets the input and one weight slice).
    public let planar: any GraphOperator

    public init(kind: Kind, window: DepthWindow, planar: any GraphOperator) {
        self.kind = kind; self.window = window; self.planar = planar
    }

    public var channelFlow: ChannelFlow { .fixes }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = try input(inputs, 0, "X").variable("X")
        guard x.shape.count == 5 else {
            throw GraphError.invalidValue("a 3-D window needs an input [N, C, D, H, W], got \(x.shape)")
        }
        let weight = try inputs.count > 1 ? inputs[1]?.variable("W") : nil
        if window.kernel == 0, let weight, weight.shape.count == 5 {
            return try DepthSlicedOperator(kind: kind, window: window.with(kernel: weight.shape[2]), planar: planar)
                .run(inputs)
        }
        if kind.hasWeight {
            guard let weight, weight.shape.count == 5, weight.shape[2] == window.kernel else {
                throw GraphError.invalidValue("a 3-D convolution needs a weight [O, C, \(window.kernel), kH, kW]")
            }
        }
        let depth = x.shape[2]
        let (begin, end, outputs) = plan(depth: depth)
        guard outputs > 0 else { throw GraphError.invalidValue("the 3-D window does not fit the depth \(depth)") }
        // Each input slice and weight slice is cut once and read by every output slice it reaches.
        let planes = try (0..<depth).map { try x.slice(axis: 2, start: $0, end: $0 + 1).squeezed([2]) }
        let kernels = try weight.map { w in
            try (0..<window.kernel).map { try w.slice(axis: 2, start: $0, end: $0 + 1).squeezed([2]) }
        }
        var slices: [Variable] = []
        for o in 0..<outputs {
            let taps = taps(output: o, begin: begin)
            let inside = taps.filter { $0.at >= 0 && $0.at < depth }
            let counted = taps.filter { $0.at >= -begin && $0.at < depth + end }.count
            slices.append(try slice(planes, kernels: kernels, taps: inside, counted: counted).unsqueezed(2))
        }
        var y = try Variable.concat(slices, axis: 2)
        if kind.hasWeight, inputs.count > 2, let b = try inputs[2]?.variable("B") {
            y = try y + b.reshaped([1, b.shape.reduce(1, *), 1, 1, 1])
        }
        return [.float(y)]
    }

    private func plan(depth: Int) -> (begin: Int, end: Int, outputs: Int) {
        guard case .transposedConvolution(let outputPadding, let outputShape) = kind else {
            return window.plan(depth: depth)
        }
        return window.transposedPlan(depth: depth, outputPadding: outputPadding, outputShape: outputShape)
    }

    /// The kernel taps of output slice `o` and the input slice each reads (possibly outside the input).
    private func taps(output o: Int, begin: Int) -> [(k: Int, at: Int)] {
        let w = window
        guard case .transposedConvolution = kind else {
            return (0..<w.kernel).map { (k: $0, at: o * w.stride - begin + $0 * w.dilation) }
        }
        return (0..<w.kernel).compactMap { k in
            let t = o + begin - k * w.dilation
            return t >= 0 && t % w.stride == 0 ? (k: k, at: t / w.stride) : nil
        }
    }

    /// One output slice from the input slices `taps` (a window that holds none reads only padding).
    private func slice(_ planes: [Variable], kernels: [Variable]?, taps: [(k: Int, at: Int)],
                       counted: Int) throws -> Variable {
        var parts: [Variable] = []
        for tap in taps {
            let args: [GraphValue?] = [.float(planes[tap.at])] + (kernels.map { [.float($0[tap.k])] } ?? [])
            parts.append(try planar.run(args)[0].variable("Y"))
        }
        guard var result = parts.first else {
            // Only padding: a convolution gives 0 (then its bias), max pooling is undefined there.
            guard kind.hasWeight, let kernels else {
                throw GraphError.invalidValue("a pooling window of the depth axis reads only padding")
            }
            return try planar.run([.float(planes[0]), .float(kernels[0])])[0].variable("Y") * 0
        }
        for p in parts.dropFirst() {
            if case .maxPool = kind { result = try Variable.maximum(result, p) } else { result = try result + p }
        }
        if case .averagePool(let includePad) = kind { result = result / Float(includePad ? counted : taps.count) }
        return result
    }
}
