import PruneTensor
import PruneAutodiff

/// A Llama-family causal language model (Touvron et al. 2023; Hugging Face `LlamaForCausalLM`):
/// token embedding, decoder blocks, final RMSNorm and an output head that is the embedding
/// matrix when tied. Parameter paths are Hugging Face's (`model.layers.0.self_attn.q_proj.weight`,
/// `model.embed_tokens.weight`, `lm_head.weight`), so its state dict is a transformers checkpoint.
public final class LlamaModel: Module {
    /// The sizes; kept in step with the blocks by ``syncConfigWithLayers()`` after structured pruning.
    public private(set) var config: LlamaConfig
    public let embedding: Embedding
    public private(set) var layers: [LlamaBlock]
    public let norm: RMSNorm
    /// The output head, or nil when tied to the embedding.
    public let head: Linear?
    public var isTraining = false

    public init(config: LlamaConfig, embedding: Embedding, layers: [LlamaBlock], norm: RMSNorm, head: Linear?) {
        self.config = config; self.embedding = embedding; self.layers = layers; self.norm = norm; self.head = head
    }

    public var children: [(name: String, module: any Module)] {
        [("model", LlamaBackboneView(model: self))] + (head.map { [("lm_head", $0)] } ?? [])
    }

    public var rope: RotaryEmbedding { RotaryEmbedding(headSize: config.headSize, base: config.ropeTheta) }

    /// Removes whole blocks by index.
    public func removeLayers(_ indices: Set<Int>) {
        layers = layers.enumerated().filter { !indices.contains($0.offset) }.map(\.element)
        syncConfigWithLayers()
    }

    /// Sets the block count and widths of ``config`` from the blocks: one uniform shape when all
    /// blocks agree, else per-layer shapes (the first block's widths stay in the scalar fields).
    public func syncConfigWithLayers() {
        let shapes = layerShapes
        config.layerCount = shapes.count
        guard let first = shapes.first else { return }
        config.headCount = first.headCount
        config.keyValueHeadCount = first.keyValueHeadCount
        config.intermediateSize = first.intermediateSize
        config.layerShapes = shapes.allSatisfy({ $0 == first }) ? nil : shapes
    }

    /// Token ids `[batch, length]` (as Float) → logits `[batch, length, vocabulary]`.
    public func forward(_ ids: Variable) throws -> Variable {
        var h = try embedding.forward(ids)
        for l in layers { h = try l.forward(h, rope: rope, cache: nil, observer: nil) }
        return try logits(h)
    }

    /// The embedded tokens `[batch, length, hidden]` of `ids` (`batch` rows of equal length).
    public func embed(_ ids: [[Int]]) throws -> Tensor {
        let length = ids.first?.count ?? 0
        guard ids.allSatisfy({ $0.count == length }) else { throw LlamaError.invalidInput("rows of unequal length") }
        let n = config.vocabularySize
        for row in ids { for t in row where t < 0 || t >= n {
            throw LlamaError.invalidInput("token id \(t) is outside the vocabulary of \(n)") } }
        return try withNoGrad {
            try Variable.embedding(embedding.weight.variable(), indices: ids.flatMap { $0 },
                                   indexShape: [ids.count, length]).value
        }
    }

    /// Runs block `i` on hidden states `h` (no gradients), optionally with a cache and an observer.
    public func runBlock(_ i: Int, _ h: Tensor, cache: KeyValueCache? = nil,
                         observer: LinearInputObserver? = nil) throws -> Tensor {
        try layers[i].run(h, rope: rope, cache: cache, observer: observer)
    }

    /// Final norm and output head: hidden `[…, hidden]` → logits `[…, vocabulary]`.
    public func logits(_ h: Variable) throws -> Variable {
        let normed = try norm.forward(h)
        if let head { return try head.forward(normed) }
        return try Variable.linear(normed, weight: embedding.weight.variable(), bias: nil)
    }

    /// Logits of a batch of token rows, `[batch, length, vocabulary]`, with optional per-block caches.
    public func logits(_ ids: [[Int]], caches: [KeyValueCache]? = nil) throws -> Tensor {
        var h = try embed(ids)
        for i in layers.indices { h = try runBlock(i, h, cache: caches?[i]) }
        return try withNoGrad { try logits(Variable(h)).value }
    }

    public var summary: String { Self.summary(config, blocks: layers.count) }

    /// A one-line description of a model of configuration `c` with `blocks` blocks.
    public static func summary(_ c: LlamaConfig, blocks: Int) -> String {
        let widths = c.layerShapes == nil ? "\(c.shape(ofLayer: 0))" : "per-layer widths"
        return "LlamaModel(\(blocks) blocks, hidden \(c.hiddenSize), \(widths), vocabulary \(c.vocabularySize))"
    }
}

/// The `model` level of the Hugging Face layout: `embed_tokens`, `layers`, `norm`.
final class LlamaBackboneView: Module {
    unowned let model: LlamaModel
    var isTraining = false
    init(model: LlamaModel) { self.model = model }
    var children: [(name: String, module: any Module)] {
        [("embed_tokens", model.embedding), ("layers", LlamaLayerListView(model: model)), ("norm", model.norm)]
    }
    func forward(_ x: Variable) throws -> Variable { try model.forward(x) }
}

final class LlamaLayerListView: Module {
    unowned let model: LlamaModel
    var isTraining = false
    init(model: LlamaModel) { self.model = model }
    var children: [(name: String, module: any Module)] {
        model.layers.enumerated().map { (String($0.offset), $0.element) }
    }
    func forward(_ x: Variable) throws -> Variable { try model.forward(x) }
}
