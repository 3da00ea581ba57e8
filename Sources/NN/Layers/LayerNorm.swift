import PruneTensor
import PruneAutodiff

/// Layer normalization over the last axes (`normalizedShape`), with elementwise affine weight and bias.
/// Ba, Kiros & Hinton, "Layer Normalization", 2016.
public final class LayerNorm: Module {
    public let weight: Parameter
    public let bias: Parameter
    public var epsilon: Float
    public var isTraining = true

    public init(_ normalizedShape: [Int], epsilon: Float = 1e-5) {
        weight = Parameter(.ones(normalizedShape))
        bias = Parameter(.zeros(normalizedShape))
        self.epsilon = epsilon
    }

    public var ownParameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("bias", bias)] }

    public func forward(_ x: Variable) throws -> Variable {
        let k = weight.shape.count
        guard x.value.rank >= k, Array(x.shape.suffix(k)) == weight.shape else {
            throw TensorError.shapeMismatch(op: "LayerNorm", shapes: [x.shape, weight.shape],
                                            reason: "trailing axes must equal the normalized shape")
        }
        return try Variable.layerNorm(x, weight: weight.variable(), bias: bias.variable(), epsilon: epsilon)
    }

    public var summary: String { "LayerNorm(\(weight.shape))" }
}

extension Variable {
    /// (x − mean) / √(var + ε) · weight + bias over the trailing axes that `weight` covers.
    public static func layerNorm(_ x: Variable, weight: Variable, bias: Variable, epsilon: Float) throws -> Variable {
        if !GradMode.isEnabled, weight.value.rank == 1, bias.value.shape == weight.value.shape,
           let n = x.value.shape.last, n == weight.value.count, n > 0 {
            return Variable(Tensor.layerNormRows(x.value, weight: weight.value, bias: bias.value, epsilon: epsilon))
        }
        let axes = Array((x.value.rank - weight.value.rank)..<x.value.rank)
        let mean = try x.mean(axes: axes, keepDims: true)
        let centered = try x - mean
        let variance = try centered.square().mean(axes: axes, keepDims: true)
        return try centered / (variance + epsilon).sqrt() * weight + bias
    }
}
