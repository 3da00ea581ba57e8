import PruneTensor

/// One kept key/value head of a grouped-query attention layer and the query heads it keeps serving
/// (indices into the layer's current heads).
public struct KeptHeadGroup: Sendable, Equatable {
    public var keyValueHead: Int
    public var queryHeads: [Int]
    public init(keyValueHead: Int, queryHeads: [Int]) { self.keyValueHead = keyValueHead; self.queryHeads = queryHeads }
}

extension LlamaAttention {
    /// Removes heads physically: keeps the key/value heads of `groups` and, for each, the listed
    /// query heads (q rows, o_proj input columns, k/v rows). Every group must keep the same number
    /// of query heads, and each query head must belong to its group, because the computation maps
    /// query head i to key/value head i / (heads / kvHeads).
    public func keep(groups: [KeptHeadGroup]) throws {
        let size = headCount / max(keyValueHeadCount, 1)
        guard let perGroup = groups.first?.queryHeads.count, perGroup > 0,
              groups.allSatisfy({ $0.queryHeads.count == perGroup }) else {
            throw LlamaError.invalidInput("every kept key/value head must keep the same number (≥ 1) of query heads")
        }
        for g in groups {
            guard (0..<keyValueHeadCount).contains(g.keyValueHead),
                  g.queryHeads.allSatisfy({ $0 / size == g.keyValueHead && $0 >= 0 }),
                  Set(g.queryHeads).count == g.queryHeads.count else {
                throw LlamaError.invalidInput("query heads \(g.queryHeads) do not all belong to key/value head "
                                              + "\(g.keyValueHead) (groups of \(size))")
            }
        }
        guard Set(groups.map(\.keyValueHead)).count == groups.count else {
            throw LlamaError.invalidInput("a key/value head is kept twice")
        }
        let queryChannels = channels(ofHeads: groups.flatMap(\.queryHeads))
        let kvChannels = channels(ofHeads: groups.map(\.keyValueHead))
        try replaceChild(named: "q_proj", with: StructuredSlice.rows(query, queryChannels, "self_attn.q_proj"))
        try replaceChild(named: "k_proj", with: StructuredSlice.rows(key, kvChannels, "self_attn.k_proj"))
        try replaceChild(named: "v_proj", with: StructuredSlice.rows(value, kvChannels, "self_attn.v_proj"))
        try replaceChild(named: "o_proj", with: StructuredSlice.columns(output, queryChannels, "self_attn.o_proj"))
    }
}

extension LlamaAttention {
    /// The channels (rows of q/k/v_proj, columns of o_proj) of `heads`, head after head.
    public func channels(ofHeads heads: [Int]) -> [Int] {
        heads.flatMap { h in (h * headSize)..<((h + 1) * headSize) }
    }
}

extension LlamaMLP {
    /// Keeps the SwiGLU units `units` (gate and up rows, down_proj input columns).
    public func keep(units: [Int]) throws {
        guard !units.isEmpty, Set(units).count == units.count,
              units.allSatisfy({ (0..<gate.outFeatures).contains($0) }) else {
            throw LlamaError.invalidInput("MLP units to keep must be distinct, in 0..<\(gate.outFeatures), ≥ 1")
        }
        try replaceChild(named: "gate_proj", with: StructuredSlice.rows(gate, units, "mlp.gate_proj"))
        try replaceChild(named: "up_proj", with: StructuredSlice.rows(up, units, "mlp.up_proj"))
        try replaceChild(named: "down_proj", with: StructuredSlice.columns(down, units, "mlp.down_proj"))
    }
}

/// Row and column selection of dense Linear layers, the physical step of structured pruning.
public enum StructuredSlice {
    /// The weight of a dense Linear layer; an error for a sparse one.
    public static func dense(_ layer: any LinearLayer, _ path: String) throws -> Tensor {
        guard let l = layer as? any PrunableWeightLayer else {
            throw ModuleError.invalidChild(container: path, child: "weight",
                                           reason: "structures can only be removed from dense Linear layers")
        }
        return l.prunableWeight.effectiveValue
    }

    /// The layer with only output rows `rows` (and their bias entries).
    public static func rows(_ layer: any LinearLayer, _ rows: [Int], _ path: String) throws -> Linear {
        Linear(weight: try dense(layer, path).gather(axis: 0, indices: rows),
               bias: try layer.biasValue.map { try $0.gather(axis: 0, indices: rows) })
    }

    /// The layer with only input columns `columns` (bias unchanged).
    public static func columns(_ layer: any LinearLayer, _ columns: [Int], _ path: String) throws -> Linear {
        Linear(weight: try dense(layer, path).gather(axis: 1, indices: columns), bias: layer.biasValue)
    }
}

extension LlamaModel {
    /// The shape of every block as it is now.
    public var layerShapes: [LlamaLayerShape] {
        layers.map { LlamaLayerShape(headCount: $0.attention.headCount,
                                     keyValueHeadCount: $0.attention.keyValueHeadCount,
                                     intermediateSize: $0.mlp.gate.outFeatures) }
    }

    /// Weights of all block projections (the non-embedding parameters, norms aside).
    public var projectionWeightCount: Int {
        layerShapes.reduce(0) { $0 + $1.projectionWeights(hidden: config.hiddenSize, headSize: config.headSize) }
    }
}
