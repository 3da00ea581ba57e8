import PruneTensor
import PruneAutodiff

/// A fully connected layer, y = x·Wᵀ + b, with W `[out, in]` as in PyTorch.
/// Initialized like PyTorch: W ~ Kaiming-uniform(a = √5), b ~ U(±1/√in).
public final class Linear: Module {
    public let weight: Parameter
    public let bias: Parameter?
    public var isTraining = true
    /// Computes the layer instead of the dense product when it accepts (see ``LinearKernel``).
    public var kernel: (any LinearKernel)?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, rng: inout RandomGenerator) {
        weight = Parameter(.kaimingUniform([outFeatures, inFeatures], a: Float(5).squareRoot(), using: &rng))
        let bound = 1 / Float(Swift.max(inFeatures, 1)).squareRoot()
        self.bias = bias ? Parameter(.uniform([outFeatures], low: -bound, high: bound, using: &rng)) : nil
    }

    /// A layer with the given weight `[out, in]` and optional bias `[out]`.
    public init(weight: Tensor, bias: Tensor?) {
        precondition(weight.rank == 2, "Linear: weight must be [out, in], got \(weight.shape)")
        self.weight = Parameter(weight)
        self.bias = bias.map { Parameter($0) }
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    public var ownParameters: [(name: String, parameter: Parameter)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }

    public func forward(_ x: Variable) throws -> Variable {
        if let kernel, let y = try kernel.forward(x, layer: self) { return y }
        return try Variable.linear(x, weight: weight.variable(), bias: bias?.variable())
    }

    public var summary: String { "Linear(\(inFeatures) → \(outFeatures)\(bias == nil ? ", no bias" : ""))" }
}

extension Linear: PrunableWeightLayer {
    public var prunableWeight: Parameter { weight }
    /// Rows per example: the tokens of a sequence, else 1.
    public func outputPositions(forInput input: Tensor) -> Int {
        guard inFeatures > 0 else { return 1 }
        return input.count / inFeatures / max(input.shape.first ?? 1, 1)
    }
}
