import PruneTensor
import PruneAutodiff

extension LlamaAttention {
    /// The forward pass without autodiff or key/value cache (calibration, perplexity): the projections stay
    /// in their `[batch, length, heads·d]` layout, rotary positions are applied in place and
    /// ``Tensor/causalAttention(q:k:v:shape:scale:)`` reads the shared key/value heads directly. The same
    /// arithmetic as the general path except the softmax's sum, which covers only the keys a query sees.
    func inference(_ x: Variable, rope: RotaryEmbedding, observer: LinearInputObserver?) throws -> Variable {
        let b = x.shape[0], l = x.shape[1], d = headSize
        let (cos, sin) = rope.tables(length: l, offset: 0)
        var q = try query.forward(x).value, k = try key.forward(x).value
        let v = try value.forward(x).value
        rope.rotate(&q, heads: headCount, cos: cos, sin: sin)
        rope.rotate(&k, heads: keyValueHeadCount, cos: cos, sin: sin)
        let shape = CausalAttentionShape(batch: b, length: l, total: l, heads: headCount, kvHeads: keyValueHeadCount,
                                         headSize: d)
        let context = Tensor.causalAttention(q: q, k: k, v: v, shape: shape, scale: 1 / Float(d).squareRoot())
        try observer?.observe(context, paths: ["self_attn.o_proj"])
        return try output.forward(Variable(context))
    }
}
