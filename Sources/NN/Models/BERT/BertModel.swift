import PruneTensor
import PruneAutodiff

/// A BERT encoder used as a sentence encoder (Sentence-BERT, Reimers & Gurevych 2019): embeddings,
/// encoder blocks, mean pooling over real tokens, L2 normalization. Parameter paths follow the
/// Hugging Face layout (`encoder.layer.0.attention.self.query.weight`), so `model.safetensors`
/// of a BERT checkpoint such as all-MiniLM-L6-v2 loads as is.
public final class BertModel: Module {
    public let embeddings: BertEmbeddings
    public private(set) var layers: [BertLayer]
    public var isTraining = false

    public init(embeddings: BertEmbeddings, layers: [BertLayer]) {
        self.embeddings = embeddings; self.layers = layers
    }

    /// A randomly initialized model of the given sizes.
    public convenience init(config c: BertConfig, rng: inout RandomGenerator) {
        let emb = BertEmbeddings(config: c, rng: &rng)
        var layers: [BertLayer] = []
        for heads in c.headsPerLayer {
            let w = heads * c.headSize
            let sa = BertSelfAttention(query: Linear(c.hiddenSize, w, rng: &rng), key: Linear(c.hiddenSize, w,
                    rng: &rng),
                                       value: Linear(c.hiddenSize, w, rng: &rng), headSize: c.headSize)
            let ao = BertResidualOutput(dense: Linear(w, c.hiddenSize, rng: &rng), layerNorm: LayerNorm([c.hiddenSize],
                    epsilon: c.layerNormEpsilon))
            let mo = BertResidualOutput(dense: Linear(c.intermediateSize, c.hiddenSize, rng: &rng),
                                        layerNorm: LayerNorm([c.hiddenSize], epsilon: c.layerNormEpsilon))
            layers.append(BertLayer(attention: BertAttention(selfAttention: sa, output: ao),
                                    intermediate: Linear(c.hiddenSize, c.intermediateSize, rng: &rng), output: mo))
        }
        self.init(embeddings: emb, layers: layers)
    }

    public var children: [(name: String, module: any Module)] {
        [("embeddings", embeddings), ("encoder", BertEncoderView(model: self))]
    }

    /// Heads per layer, in order.
    public var headsPerLayer: [Int] { layers.map { $0.attention.selfAttention.headCount } }

    /// Removes encoder blocks by index.
    public func removeLayers(_ indices: Set<Int>) {
        layers = layers.enumerated().filter { !indices.contains($0.offset) }.map(\.element)
    }

    func replaceLayer(_ i: Int, with l: BertLayer) { layers[i] = l }

    /// Token ids `[batch, length]` (as Float) → last hidden states `[batch, length, hidden]`, no padding.
    public func forward(_ ids: Variable) throws -> Variable {
        var h = try embeddings.forward(ids)
        for l in layers { h = try l.forward(h, attentionBias: nil, observer: nil) }
        return h
    }

    /// The additive attention bias for a batch: 0 for real tokens, −10⁹ for padding, `[batch, 1, 1, length]`.
    public static func attentionBias(_ batch: TokenBatch) -> Tensor {
        Tensor(unchecked: [batch.count, 1, 1, batch.length], batch.attentionMask.map { $0 == 1 ? 0 : -1e9 })
    }

    /// The embedding-layer output for a batch, `[batch, length, hidden]`.
    public func embed(tokens batch: TokenBatch) throws -> Tensor {
        try withNoGrad {
            try embeddings.forward(Variable(Tensor(unchecked: [batch.count, batch.length],
                                                   batch.ids.map(Float.init)))).value
        }
    }

    /// Runs encoder block `i` on hidden states `h`.
    public func runLayer(_ i: Int, _ h: Tensor, batch: TokenBatch,
                         observer: LinearInputObserver? = nil) throws -> Tensor {
        try withNoGrad { try layers[i].forward(Variable(h), attentionBias: Self.attentionBias(batch),
                                               observer: observer).value }
    }

    /// Last hidden states for a padded batch.
    public func hiddenStates(_ batch: TokenBatch) throws -> Tensor {
        var h = try embed(tokens: batch)
        for i in layers.indices { h = try runLayer(i, h, batch: batch) }
        return h
    }

    /// Mean pooling over the real tokens, then L2 normalization: one unit vector per sentence, `[batch, hidden]`.
    public static func sentenceEmbeddings(hidden h: Tensor, batch: TokenBatch) -> Tensor {
        let b = batch.count, l = batch.length, d = h.shape[2]
        var out = [Float](repeating: 0, count: b * d)
        for i in 0..<b {
            var n: Float = 0
            for t in 0..<l where batch.attentionMask[i * l + t] == 1 {
                n += 1
                let base = (i * l + t) * d
                for j in 0..<d { out[i * d + j] += h.scalars[base + j] }
            }
            var norm: Float = 0
            for j in 0..<d { out[i * d + j] /= Swift.max(n, 1); norm += out[i * d + j] * out[i * d + j] }
            let scale = 1 / Swift.max(norm.squareRoot(), 1e-12)
            for j in 0..<d { out[i * d + j] *= scale }
        }
        return Tensor(unchecked: [b, d], out)
    }

    /// Sentence embeddings of a padded batch.
    public func sentenceEmbeddings(_ batch: TokenBatch) throws -> Tensor {
        Self.sentenceEmbeddings(hidden: try hiddenStates(batch), batch: batch)
    }

    public var summary: String { "BertModel(\(layers.count) layers, heads \(headsPerLayer))" }
}

/// The `encoder.layer` levels of the Hugging Face layout over ``BertModel/layers``.
final class BertEncoderView: Module {
    unowned let model: BertModel
    var isTraining = false
    init(model: BertModel) { self.model = model }
    var children: [(name: String, module: any Module)] { [("layer", BertLayerListView(model: model))] }
    func forward(_ x: Variable) throws -> Variable {
        var h = x
        for l in model.layers { h = try l.forward(h) }
        return h
    }
}

final class BertLayerListView: Module {
    unowned let model: BertModel
    var isTraining = false
    init(model: BertModel) { self.model = model }
    var children: [(name: String, module: any Module)] { model.layers.enumerated().map { (String($0.offset),
            $0.element) } }
    func replaceChild(named name: String, with module: any Module) throws {
        guard let i = Int(name), model.layers.indices.contains(i), let l = module as? BertLayer else {
            throw ModuleError.invalidChild(container: "encoder.layer", child: name,
                                           reason: "must be a BertLayer at an existing index")
        }
        model.replaceLayer(i, with: l)
    }
    func forward(_ x: Variable) throws -> Variable { try BertEncoderView(model: model).forward(x) }
}
