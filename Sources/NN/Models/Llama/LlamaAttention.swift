import PruneTensor
import PruneAutodiff

/// Causal self-attention with grouped-query heads (Ainslie et al. 2023) and rotary positions, as
/// Llama's `self_attn`: `q_proj`, `k_proj`, `v_proj`, `o_proj` without biases; query head i reads
/// key/value head i / (heads / kvHeads). With a ``KeyValueCache`` the keys and values of earlier
/// positions are reused, so generation costs one token per step.
public final class LlamaAttention: Module {
    public private(set) var query: any LinearLayer
    public private(set) var key: any LinearLayer
    public private(set) var value: any LinearLayer
    public private(set) var output: any LinearLayer
    public let headSize: Int
    public var isTraining = false

    public init(query: any LinearLayer, key: any LinearLayer, value: any LinearLayer, output: any LinearLayer,
                headSize: Int) {
        self.query = query; self.key = key; self.value = value; self.output = output; self.headSize = headSize
    }

    public var headCount: Int { query.outFeatures / headSize }
    public var keyValueHeadCount: Int { key.outFeatures / headSize }

    public var children: [(name: String, module: any Module)] {
        [("q_proj", query), ("k_proj", key), ("v_proj", value), ("o_proj", output)]
    }

    public func replaceChild(named name: String, with module: any Module) throws {
        guard let l = module as? any LinearLayer else {
            throw ModuleError.invalidChild(container: "self_attn", child: name, reason: "must be a Linear layer")
        }
        switch name {
        case "q_proj": query = l
        case "k_proj": key = l
        case "v_proj": value = l
        case "o_proj": output = l
        default: throw ModuleError.noSuchPath(name)
        }
    }

    public func forward(_ x: Variable) throws -> Variable {
        try forward(x, rope: RotaryEmbedding(headSize: headSize, base: 10_000), cache: nil, observer: nil)
    }

    /// `x` `[batch, length, hidden]` at positions after the cache's → `[batch, length, hidden]`.
    public func forward(_ x: Variable, rope: RotaryEmbedding, cache: KeyValueCache?,
                        observer: LinearInputObserver?) throws -> Variable {
        let b = x.shape[0], l = x.shape[1], h = headCount, kvh = keyValueHeadCount, d = headSize
        guard h > 0, kvh > 0, h % kvh == 0 else {
            throw LlamaError.invalidInput("attention with \(h) query heads and \(kvh) key/value heads")
        }
        try observer?.observe(x.value, paths: ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"])
        if cache == nil && !GradMode.isEnabled { return try inference(x, rope: rope, observer: observer) }
        let offset = cache?.length ?? 0
        let (cos, sin) = rope.tables(length: l, offset: offset)
        func heads(_ t: Variable, _ n: Int) throws -> Variable { try t.reshaped([b, l, n, d]).permuted([0, 2, 1, 3]) }
        let q = try rope.apply(heads(query.forward(x), h), cos: cos, sin: sin)
        var k = try rope.apply(heads(key.forward(x), kvh), cos: cos, sin: sin)
        var v = try heads(value.forward(x), kvh)
        if let cache { (k, v) = try cache.append(keys: k, values: v) }
        let total = k.shape[2]
        if h != kvh {
            let repeats = (0..<h).map { $0 / (h / kvh) }
            k = try k.gather(axis: 1, indices: repeats); v = try v.gather(axis: 1, indices: repeats)
        }
        var scores = try Variable.matmul(q, k.transposed(2, 3)) * (1 / Float(d).squareRoot())
        scores = try scores + Variable(Self.causalBias(queries: l, keys: total))
        let context = try Variable.matmul(scores.softmax(axis: -1), v).permuted([0, 2, 1, 3]).reshaped([b, l, h * d])
        try observer?.observe(context.value, paths: ["self_attn.o_proj"])
        return try output.forward(context)
    }

    /// −∞ where query i (the last `queries` of `keys` positions) would see a later key, else 0.
    static func causalBias(queries: Int, keys: Int) -> Tensor {
        var bias = [Float](repeating: 0, count: queries * keys)
        let start = keys - queries
        for i in 0..<queries { for j in (start + i + 1)..<max(keys, start + i + 1) { bias[i * keys + j] = -.infinity } }
        return Tensor(unchecked: [1, 1, queries, keys], bias)
    }

    public var summary: String { "LlamaAttention(\(headCount) heads, \(keyValueHeadCount) key/value heads × \(headSize))" }
}
