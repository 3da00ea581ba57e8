import PruneAutodiff
import PruneTensor

/// A per-channel parameter `[C]` shaped to broadcast along axis 1 of a rank-`rank` tensor.
func channelParameter(_ v: Variable, rank: Int) throws -> Variable {
    try v.reshaped([v.value.count] + [Int](repeating: 1, count: Swift.max(rank - 2, 0)))
}

/// Local response normalization across channels (Krizhevsky et al. 2012):
/// y = x / (bias + α/size · Σ_{window} x²)^β, the window `size` channels around each channel. Without a
/// gradient to record, one C pass per plane (``Tensor/localResponseNormalization(_:size:alpha:beta:bias:)``).
public struct LRNOperator: GraphOperator {
    public let size: Int, alpha: Float, beta: Float, bias: Float
    public init(size: Int, alpha: Float, beta: Float, bias: Float) {
        self.size = size; self.alpha = alpha; self.beta = beta; self.bias = bias
    }
    public var channelFlow: ChannelFlow { .fixes }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = try input(inputs, 0, "X").variable("X")
        guard x.shape.count >= 3, x.shape[1] >= 1, size >= 1 else {
            throw GraphError.invalidValue("LRN needs [N, C, …] with C ≥ 1 and size ≥ 1")
        }
        if !(GradMode.isEnabled && x.requiresGrad) {
            return [.float(Variable(try Tensor.localResponseNormalization(x.value, size: size, alpha: alpha,
                                                                            beta: beta, bias: bias)))]
        }
        // Window parts reaching past every channel add only zeros: clamp them to C − 1.
        let c = x.shape[1], below = Swift.min((size - 1) / 2, c - 1), above = Swift.min(size - 1 - (size - 1) / 2,
                                                                                        c - 1)
        var padShape = x.shape
        var parts: [Variable] = []
        if below > 0 { padShape[1] = below; parts.append(Variable(.zeros(padShape))) }
        parts.append(x.square())
        if above > 0 { padShape[1] = above; parts.append(Variable(.zeros(padShape))) }
        let padded = try Variable.concat(parts, axis: 1)
        var total = try padded.slice(axis: 1, start: 0, end: c)
        for k in 1..<(below + above + 1) { total = try total + padded.slice(axis: 1, start: k, end: k + c) }
        return [.float(try x / (total * (alpha / Float(size)) + bias).pow(beta))]
    }
}

/// Normalizes over `axes` to mean 0 and variance 1 (MeanVarianceNormalization), or per instance
/// and channel with a scale and bias (InstanceNormalization, Ulyanov et al. 2016), or per group of
/// channels (GroupNormalization, Wu and He 2018); scale and bias are inputs here, so their channels
/// stay fixed under structured pruning.
public struct StandardizeOperator: GraphOperator {
    public enum Kind: Sendable { case meanVariance(axes: [Int]), instance, group(groups: Int) }
    public let kind: Kind
    public let epsilon: Float
    public init(_ kind: Kind, epsilon: Float) { self.kind = kind; self.epsilon = epsilon }
    public var channelFlow: ChannelFlow { .fixes }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = try input(inputs, 0, "X").variable("X"), rank = x.shape.count
        guard rank >= 2 else { throw GraphError.invalidValue("normalization needs rank ≥ 2, got \(x.shape)") }
        switch kind {
        case .meanVariance(let axes):
            return [.float(try standardize(x, axes: try axes.map { try normalizedAxis($0, rank: rank) }))]
        case .instance:
            let y = try standardize(x, axes: Array(2..<rank))
            return [.float(try affine(y, inputs, rank: rank))]
        case .group(let groups):
            let c = x.shape[1]
            guard groups > 0, c % groups == 0 else {
                throw GraphError.invalidValue("\(c) channels in \(groups) groups")
            }
            let grouped = try x.reshaped([x.shape[0], groups, x.value.count / (x.shape[0] * groups)])
            let y = try standardize(grouped, axes: [2]).reshaped(x.shape)
            return [.float(try affine(y, inputs, rank: rank, groups: groups))]
        }
    }

    func standardize(_ x: Variable, axes: [Int]) throws -> Variable {
        let centered = try x - x.mean(axes: axes, keepDims: true)
        return try centered / (centered.square().mean(axes: axes, keepDims: true) + epsilon).sqrt()
    }

    /// y·scale + bias per channel (per group when they have one value a group, GroupNormalization-18).
    func affine(_ y: Variable, _ inputs: [GraphValue?], rank: Int, groups: Int = 0) throws -> Variable {
        var scale = try input(inputs, 1, "scale").variable("scale"), bias = try input(inputs, 2, "B").variable("B")
        let c = y.shape[1]
        if groups > 0 && c != groups && scale.value.count == groups {
            let perGroup = (0..<c).map { $0 / (c / groups) }
            scale = try scale.gathered(perGroup, shape: [c]); bias = try bias.gathered(perGroup, shape: [c])
        }
        guard scale.value.count == c, bias.value.count == c else {
            throw GraphError.invalidValue("scale \(scale.shape) and bias \(bias.shape) for \(c) channels")
        }
        return try y * channelParameter(scale, rank: rank) + channelParameter(bias, rank: rank)
    }
}

/// BatchNormalization (inference) and LayerNormalization whose parameters are computed in the
/// graph rather than stored (initializers become ``BatchNorm`` and ``LayerNorm`` layers instead).
public struct FunctionalNormalizationOperator: GraphOperator {
    public enum Kind: Sendable { case batch, layer(axis: Int) }
    public let kind: Kind
    public let epsilon: Float
    public init(_ kind: Kind, epsilon: Float) { self.kind = kind; self.epsilon = epsilon }
    public var channelFlow: ChannelFlow { .fixes }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = try input(inputs, 0, "X").variable("X"), rank = x.shape.count
        let scale = try input(inputs, 1, "scale").variable("scale")
        switch kind {
        case .batch:
            let names = ["B", "mean", "var"]
            let p = try (2...4).map { try channelParameter(try input(inputs, $0, names[$0 - 2]).variable(names[$0 - 2]),
                                                          rank: rank) }
            let normalized = try (x - p[1]) / (p[2] + epsilon).sqrt()
            return [.float(try normalized * channelParameter(scale, rank: rank) + p[0])]
        case .layer(let axis):
            let a = try normalizedAxis(axis, rank: rank), axes = Array(a..<rank)
            let mean = try x.mean(axes: axes, keepDims: true)
            let centered = try x - mean
            let deviation = try (centered.square().mean(axes: axes, keepDims: true) + epsilon).sqrt()
            let inverseDeviation = deviation.elementwise(deviation.value.map { 1 / $0 }, derivative: { _, y in -y * y })
            var y = try centered * inverseDeviation * scale
            if inputs.count > 2, let b = inputs[2] { y = try y + b.variable("B") }
            return [.float(y), .float(mean), .float(inverseDeviation)]
        }
    }
}
