/// The widths of one Llama block: query heads, key/value heads and SwiGLU units. A dense model
/// has one shape for every block; structured pruning (heads, groups, MLP units) can leave blocks
/// of different shapes, which GGUF stores as per-layer arrays and transformers' `LlamaConfig`
/// cannot (it holds one value per field).
public struct LlamaLayerShape: Sendable, Codable, Hashable, CustomStringConvertible {
    public var headCount: Int
    public var keyValueHeadCount: Int
    public var intermediateSize: Int

    public init(headCount: Int, keyValueHeadCount: Int, intermediateSize: Int) {
        self.headCount = headCount; self.keyValueHeadCount = keyValueHeadCount; self.intermediateSize = intermediateSize
    }

    public var description: String {
        "\(headCount) heads / \(keyValueHeadCount) key/value, MLP \(intermediateSize)"
    }

    /// Weights of the block's projections for hidden size `hidden` and head size `headSize`
    /// (norms and biases excluded).
    public func projectionWeights(hidden: Int, headSize: Int) -> Int {
        hidden * headSize * (2 * headCount + 2 * keyValueHeadCount) + 3 * hidden * intermediateSize
    }
}

extension LlamaConfig {
    /// The shape of block `i`: the per-layer shape when the configuration has one, else the uniform one.
    public func shape(ofLayer i: Int) -> LlamaLayerShape {
        if let layerShapes, i < layerShapes.count { return layerShapes[i] }
        return LlamaLayerShape(headCount: headCount, keyValueHeadCount: keyValueHeadCount,
                               intermediateSize: intermediateSize)
    }
}
