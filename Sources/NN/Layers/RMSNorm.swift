import PruneTensor
import PruneAutodiff

/// Root-mean-square layer normalization (Zhang & Sennrich 2019), as Llama uses it:
/// y = x / √(mean(x²) + ε) · w over the last axis, no mean subtraction and no bias.
public final class RMSNorm: Module {
    public let weight: Parameter
    public let epsilon: Float
    public var isTraining = false

    public init(weight: Tensor, epsilon: Float) { self.weight = Parameter(weight); self.epsilon = epsilon }

    public var ownParameters: [(name: String, parameter: Parameter)] { [("weight", weight)] }

    public func forward(_ x: Variable) throws -> Variable {
        let meanSquare = try x.square().mean(axes: [-1], keepDims: true)
        return try x / (meanSquare + epsilon).sqrt() * weight.variable()
    }

    public var summary: String { "RMSNorm(\(weight.shape[0]), ε = \(epsilon))" }
}
