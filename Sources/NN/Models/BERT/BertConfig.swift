/// The sizes of a BERT encoder. Heads can differ per layer once heads are pruned; the size of one
/// head (`headSize`) does not change.
public struct BertConfig: Sendable, Equatable, Codable {
    public var vocabularySize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var typeVocabularySize: Int
    public var headSize: Int
    /// Attention heads of each encoder layer (its count is the number of layers).
    public var headsPerLayer: [Int]
    public var layerNormEpsilon: Float

    public init(vocabularySize: Int = 30522, hiddenSize: Int = 384, intermediateSize: Int = 1536,
                maxPositions: Int = 512,
                typeVocabularySize: Int = 2, headSize: Int = 32, headsPerLayer: [Int] = Array(repeating: 12, count: 6),
                layerNormEpsilon: Float = 1e-12) {
        self.vocabularySize = vocabularySize; self.hiddenSize = hiddenSize; self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions; self.typeVocabularySize = typeVocabularySize; self.headSize = headSize
        self.headsPerLayer = headsPerLayer; self.layerNormEpsilon = layerNormEpsilon
    }

    public var layerCount: Int { headsPerLayer.count }
}
