import PruneTensor
import PruneAutodiff

/// One Llama decoder block (Touvron et al. 2023): pre-norm attention and pre-norm SwiGLU MLP, each
/// added to the residual stream. Parameter paths follow Hugging Face (`self_attn.q_proj.weight`,
/// `input_layernorm.weight`, …).
public final class LlamaBlock: Module {
    public let inputNorm: RMSNorm
    public let attention: LlamaAttention
    public let postAttentionNorm: RMSNorm
    public let mlp: LlamaMLP
    public var isTraining = false

    public init(inputNorm: RMSNorm, attention: LlamaAttention, postAttentionNorm: RMSNorm, mlp: LlamaMLP) {
        self.inputNorm = inputNorm; self.attention = attention; self.postAttentionNorm = postAttentionNorm; self.mlp = mlp
    }

    public var children: [(name: String, module: any Module)] {
        [("input_layernorm", inputNorm), ("self_attn", attention), ("post_attention_layernorm", postAttentionNorm),
         ("mlp", mlp)]
    }

    public func forward(_ x: Variable) throws -> Variable {
        try forward(x, rope: RotaryEmbedding(headSize: attention.headSize, base: 10_000), cache: nil, observer: nil)
    }

    public func forward(_ x: Variable, rope: RotaryEmbedding, cache: KeyValueCache?,
                        observer: LinearInputObserver?) throws -> Variable {
        let a = try x + attention.forward(inputNorm.forward(x), rope: rope, cache: cache, observer: observer)
        return try a + mlp.forward(postAttentionNorm.forward(a), observer: observer)
    }

    /// The block on hidden states `h` without recording gradients.
    public func run(_ h: Tensor, rope: RotaryEmbedding, cache: KeyValueCache? = nil,
                    observer: LinearInputObserver? = nil) throws -> Tensor {
        try withNoGrad { try forward(Variable(h), rope: rope, cache: cache, observer: observer).value }
    }

    /// The prunable (dense) projections of the block by path relative to the block, in execution order.
    public var linearLayers: [(path: String, layer: any LinearLayer & PrunableWeightLayer)] {
        let all: [(String, any LinearLayer)] = [
            ("self_attn.q_proj", attention.query), ("self_attn.k_proj", attention.key),
            ("self_attn.v_proj", attention.value), ("self_attn.o_proj", attention.output),
            ("mlp.gate_proj", mlp.gate), ("mlp.up_proj", mlp.up), ("mlp.down_proj", mlp.down)]
        return all.compactMap { p, l in (l as? any LinearLayer & PrunableWeightLayer).map { (p, $0) } }
    }
}
