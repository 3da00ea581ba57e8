import PruneAutodiff
import PruneTensor

/// DepthToSpace (DCR or CRD order) and SpaceToDepth on `[N, C, H, W]`: blocks of channels become
/// blocks of pixels and back, as a reshape, a permutation and a reshape.
public struct BlockRearrangeOperator: GraphOperator {
    public enum Kind: Sendable { case depthToSpaceDCR, depthToSpaceCRD, spaceToDepth }
    public let kind: Kind
    public let blockSize: Int
    public init(_ kind: Kind, blockSize: Int) { self.kind = kind; self.blockSize = blockSize }
    public var channelFlow: ChannelFlow { .fixes }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = try input(inputs, 0, "input").variable("input"), b = blockSize
        guard x.shape.count == 4, b > 0 else { throw GraphError.invalidValue("needs [N, C, H, W] and blocksize > 0") }
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        switch kind {
        case .depthToSpaceDCR, .depthToSpaceCRD:
            guard c % (b * b) == 0 else {
                throw GraphError.invalidValue("\(c) channels are not a multiple of \(b * b)")
            }
            let dcr = kind == .depthToSpaceDCR
            let split = dcr ? [n, b, b, c / (b * b), h, w] : [n, c / (b * b), b, b, h, w]
            let order = dcr ? [0, 3, 4, 1, 5, 2] : [0, 1, 4, 2, 5, 3]
            return [.float(try x.reshaped(split).permuted(order).reshaped([n, c / (b * b), h * b, w * b]))]
        case .spaceToDepth:
            guard h % b == 0, w % b == 0 else { throw GraphError.invalidValue("\(h)×\(w) is not a multiple of \(b)") }
            let y = try x.reshaped([n, c, h / b, b, w / b, b]).permuted([0, 3, 5, 1, 2, 4])
            return [.float(try y.reshaped([n, c * b * b, h / b, w / b]))]
        }
    }
}

/// PRelu: x for x ≥ 0, slope·x otherwise, the slope broadcast to x (differentiable in both).
public struct PReluOperator: GraphOperator {
    /// Opset 6 and earlier: a slope of C values applies along axis 1 (later opsets broadcast as NumPy).
    public let slopePerChannel: Bool
    public init(slopePerChannel: Bool = false) { self.slopePerChannel = slopePerChannel }
    public var channelFlow: ChannelFlow { .fixes }
    public var isPerChannelOperation: Bool { true }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = try input(inputs, 0, "X").variable("X")
        var slope = try input(inputs, 1, "slope").variable("slope")
        if slopePerChannel && slope.value.count > 1 { slope = try channelParameter(slope, rank: x.shape.count) }
        return [.float(try x.relu() - slope * (x * -1).relu())]
    }
}

/// Gemm whose B is an activation (or not a 2-D initializer): α·op(A)·op(B) + β·C.
public struct FunctionalGemmOperator: GraphOperator {
    public let alpha: Float, beta: Float, transA: Bool, transB: Bool
    public init(alpha: Float, beta: Float, transA: Bool, transB: Bool) {
        self.alpha = alpha; self.beta = beta; self.transA = transA; self.transB = transB
    }
    public var channelFlow: ChannelFlow { .fixes }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        var a = try input(inputs, 0, "A").variable("A"), b = try input(inputs, 1, "B").variable("B")
        guard a.shape.count == 2, b.shape.count == 2 else { throw GraphError.invalidValue("Gemm needs 2-D A and B") }
        if transA { a = try a.transposed() }
        if transB { b = try b.transposed() }
        var y = try Variable.matmul(a, b) * alpha
        if inputs.count > 2, let c = inputs[2] { y = try y + (try c.variable("C") * beta) }
        return [.float(y)]
    }
}

/// A 2-D convolution whose weight (and bias) are graph values, not a stored layer.
public struct FunctionalConvOperator: GraphOperator {
    public let geometry: Conv2dGeometry
    public let padding: SpatialPadding?
    public init(geometry: Conv2dGeometry, padding: SpatialPadding?) { self.geometry = geometry; self.padding = padding }
    public var channelFlow: ChannelFlow { .fixes }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        var x = try input(inputs, 0, "X").variable("X")
        if let padding { x = try padding.apply(x, fill: 0) }
        let w = try input(inputs, 1, "W").variable("W")
        let b = try inputs.count > 2 ? inputs[2]?.variable("B") : nil
        return [.float(try Variable.conv2d(x, weight: w, bias: b, geometry: geometry))]
    }
}

/// Opset 6 and earlier: `broadcast = 1` on a binary operator aligns B with A starting at `axis`
/// (B's extents are matched to A's axes axis, axis + 1, …), then runs the operator.
public struct LegacyBroadcastOperator: GraphOperator {
    public let inner: any GraphOperator
    public let axis: Int?
    public init(inner: any GraphOperator, axis: Int?) { self.inner = inner; self.axis = axis }
    public var channelFlow: ChannelFlow { .fixes }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let a = try input(inputs, 0, "A"), b = try input(inputs, 1, "B")
        guard let axis else { return try inner.run(inputs) }
        let rank = a.shape.count, start = axis < 0 ? axis + rank : axis
        guard start >= 0, start + b.shape.count <= rank else {
            throw GraphError.invalidValue("legacy broadcast of \(b.shape) onto \(a.shape) at axis \(axis)")
        }
        let shape = [Int](repeating: 1, count: start) + b.shape
            + [Int](repeating: 1, count: rank - start - b.shape.count)
        return try inner.run([a, try reshape(b, shape)])
    }
}

/// Runs a 2-D operator on a 1-D input: `[N, C, L]` as `[N, C, 1, L]`, the output made 3-D again.
public struct OneDimensionalOperator: GraphOperator {
    public let inner: any GraphOperator
    public init(_ inner: any GraphOperator) { self.inner = inner }
    public var channelFlow: ChannelFlow { inner.channelFlow }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = try input(inputs, 0, "X").variable("X")
        guard x.shape.count == 3 else { throw GraphError.invalidValue("a 1-D window needs [N, C, L], got \(x.shape)") }
        var args = inputs
        args[0] = .float(try x.unsqueezed(2))
        return try inner.run(args).map { v in
            guard case .float(let y) = v, y.shape.count == 4 else { return v }
            return .float(try y.squeezed([2]))
        }
    }
}
