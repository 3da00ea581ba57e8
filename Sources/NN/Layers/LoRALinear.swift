import PruneTensor
import PruneAutodiff

/// A low-rank adapter on a frozen Linear (Hu et al., "LoRA: Low-Rank Adaptation of Large Language
/// Models", ICLR 2022): y = x·Wᵀ + b + (α/r)·(x·Aᵀ)·Bᵀ, with A `[r, in]` Kaiming-uniform and B `[out, r]`
/// zero (as PEFT initializes them), so training starts from the wrapped layer exactly. Only A and B
/// train; ``merged()`` folds the product into a plain ``Linear`` (W + (α/r)·B·A), so the adapted model
/// has the original shapes and costs nothing extra at inference.
public final class LoRALinear: Module, LinearLayer {
    /// The wrapped layer; its parameters are frozen while it is wrapped.
    public let base: Linear
    /// A, `[rank, in]`.
    public let down: Parameter
    /// B, `[out, rank]`.
    public let up: Parameter
    /// α / r.
    public let scale: Float
    public var isTraining = false

    /// Wraps `base` (which must hold no pruning mask: a merged update would fill pruned weights).
    public init(wrapping base: Linear, rank: Int, alpha: Float, rng: inout RandomGenerator) throws {
        guard rank > 0, rank <= min(base.inFeatures, base.outFeatures) else {
            throw TensorError.invalidArgument(op: "LoRA", reason: "rank \(rank) must be in 1…"
                                              + "\(min(base.inFeatures, base.outFeatures)) for \(base.summary)")
        }
        guard base.weight.mask == nil else {
            throw TensorError.invalidArgument(op: "LoRA", reason: "the wrapped layer holds a pruning mask; merging "
                                              + "its adapter would fill the pruned weights")
        }
        self.base = base
        down = Parameter(.kaimingUniform([rank, base.inFeatures], a: Float(5).squareRoot(), using: &rng))
        up = Parameter(.zeros([base.outFeatures, rank]))
        scale = alpha / Float(rank)
        base.weight.requiresGrad = false
        base.bias?.requiresGrad = false
    }

    public var rank: Int { down.shape[0] }
    public var inFeatures: Int { base.inFeatures }
    public var outFeatures: Int { base.outFeatures }
    public var biasValue: Tensor? { base.biasValue }

    public var ownParameters: [(name: String, parameter: Parameter)] { [("lora_A", down), ("lora_B", up)] }
    public var children: [(name: String, module: any Module)] { [("base", base)] }

    public func forward(_ x: Variable) throws -> Variable {
        let low = try Variable.linear(x, weight: down.variable(), bias: nil)
        return try base.forward(x) + Variable.linear(low, weight: up.variable(), bias: nil) * scale
    }

    /// A plain Linear equal to this layer: W + (α/r)·B·A, the base's bias, trainable again.
    public func merged() throws -> Linear {
        let delta = try Tensor.matmul(up.value, down.value) * scale
        return Linear(weight: try base.weight.value + delta, bias: base.bias?.value)
    }

    public var summary: String { "LoRALinear(\(base.summary), rank \(rank), scale \(scale))" }
}
