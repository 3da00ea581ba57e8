import PruneTensor
import PruneAutodiff

/// Multi-head scaled dot-product self-attention (Vaswani et al. 2017): the query, key and value
/// projections of BERT's `attention.self`. The number of heads is `query.outFeatures / headSize`,
/// so pruning heads is removing `headSize` rows of query, key and value (and the matching
/// columns of the output projection, which sits in ``BertAttention``). Zero heads is allowed.
public final class BertSelfAttention: Module {
    public private(set) var query: any LinearLayer
    public private(set) var key: any LinearLayer
    public private(set) var value: any LinearLayer
    public let headSize: Int
    /// Per-head multipliers on the attention output (1 = normal, 0 = head ablated); nil means all 1.
    /// Used to measure a head's importance by ablation (Michel et al. 2019) without copying weights.
    public var headGates: [Float]?
    public var isTraining = false

    public init(query: any LinearLayer, key: any LinearLayer, value: any LinearLayer, headSize: Int) {
        self.query = query; self.key = key; self.value = value; self.headSize = headSize
    }

    public var headCount: Int { query.outFeatures / headSize }

    public var children: [(name: String, module: any Module)] { [("query", query), ("key", key), ("value", value)] }

    public func replaceChild(named name: String, with module: any Module) throws {
        guard let l = module as? any LinearLayer else { throw ModuleError.invalidChild(container: "attention.self",
                                                                                       child: name, reason: "must be a Linear layer") }
        switch name {
        case "query": query = l
        case "key": key = l
        case "value": value = l
        default: throw ModuleError.noSuchPath(name)
        }
    }

    public func forward(_ x: Variable) throws -> Variable { try forward(x, attentionBias: nil) }

    /// `x` is `[batch, length, hidden]`; `attentionBias` `[batch, 1, 1, length]` is added to the scores
    /// (0 for real tokens, a large negative number for padding). Returns `[batch, length, heads·headSize]`.
    public func forward(_ x: Variable, attentionBias: Tensor?) throws -> Variable {
        let b = x.shape[0], l = x.shape[1], h = headCount, d = headSize
        if h == 0 { return Variable(Tensor.zeros([b, l, 0])) }
        if !GradMode.isEnabled, headGates == nil, attentionBias.map({ $0.shape == [b, 1, 1, l] }) ?? true {
            return try inference(x, keyBias: attentionBias?.scalars)
        }
        func heads(_ t: Variable) throws -> Variable { try t.reshaped([b, l, h, d]).permuted([0, 2, 1, 3]) }
        let q = try heads(query.forward(x)) * (1 / Float(d).squareRoot())
        let k = try key.forward(x).reshaped([b, l, h, d]).permuted([0, 2, 3, 1])
        let v = try heads(value.forward(x))
        var scores = try Variable.matmul(q, k)
        if let attentionBias { scores = try scores + Variable(attentionBias) }
        var context = try Variable.matmul(scores.softmax(axis: -1), v)
        if let gates = headGates {
            guard gates.count == h else {
                throw TensorError.invalidArgument(op: "BertSelfAttention",
                                                  reason: "\(gates.count) head gates for \(h) heads")
            }
            context = try context * Variable(Tensor(unchecked: [1, h, 1, 1], gates))
        }
        return try context.permuted([0, 2, 1, 3]).reshaped([b, l, h * d])
    }

    /// The forward pass without autodiff (calibration, embedding): the projections stay in their
    /// `[batch, length, heads·d]` layout and ``Tensor/encoderAttention(q:k:v:shape:scale:keyBias:)``
    /// reads them in place — no permuted copies, no bias tensor broadcast over heads.
    func inference(_ x: Variable, keyBias: [Float]?) throws -> Variable {
        let b = x.shape[0], l = x.shape[1], d = headSize
        let shape = CausalAttentionShape(batch: b, length: l, total: l, heads: headCount, kvHeads: headCount,
                                         headSize: d)
        return Variable(Tensor.encoderAttention(q: try query.forward(x).value, k: try key.forward(x).value,
                                                v: try value.forward(x).value, shape: shape,
                                                scale: 1 / Float(d).squareRoot(), keyBias: keyBias))
    }

    /// Keeps only the heads in `kept` (indices into the current heads), shrinking query, key and value.
    public func keepHeads(_ kept: [Int]) throws {
        let rows = kept.flatMap { h in (h * headSize)..<((h + 1) * headSize) }
        query = try Self.keepRows(query, rows); key = try Self.keepRows(key, rows); value = try Self.keepRows(value,
                rows)
        headGates = nil
    }

    static func keepRows(_ layer: any LinearLayer, _ rows: [Int]) throws -> Linear {
        guard let l = layer as? any PrunableWeightLayer else {
            throw ModuleError.invalidChild(container: "attention.self", child: "query/key/value",
                                           reason: "heads can only be removed from dense Linear layers")
        }
        return Linear(weight: try l.prunableWeight.value.gather(axis: 0, indices: rows),
                      bias: try layer.biasValue.map { try $0.gather(axis: 0, indices: rows) })
    }

    public var summary: String { "BertSelfAttention(\(headCount) heads × \(headSize))" }
}
