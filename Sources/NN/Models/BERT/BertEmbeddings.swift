import PruneTensor
import PruneAutodiff

/// BERT's input layer: word + position + token-type embeddings, then LayerNorm.
/// Its input holds token ids as Float values, shape `[batch, length]`; the token type is 0.
public final class BertEmbeddings: Module {
    public let wordEmbeddings: Embedding
    public let positionEmbeddings: Embedding
    public let tokenTypeEmbeddings: Embedding
    public let layerNorm: LayerNorm
    public var isTraining = false

    public init(config c: BertConfig, rng: inout RandomGenerator) {
        wordEmbeddings = Embedding(c.vocabularySize, c.hiddenSize, rng: &rng)
        positionEmbeddings = Embedding(c.maxPositions, c.hiddenSize, rng: &rng)
        tokenTypeEmbeddings = Embedding(c.typeVocabularySize, c.hiddenSize, rng: &rng)
        layerNorm = LayerNorm([c.hiddenSize], epsilon: c.layerNormEpsilon)
    }

    public var children: [(name: String, module: any Module)] {
        [("word_embeddings", wordEmbeddings), ("position_embeddings", positionEmbeddings),
         ("token_type_embeddings", tokenTypeEmbeddings), ("LayerNorm", layerNorm)]
    }

    public func forward(_ ids: Variable) throws -> Variable {
        guard ids.value.rank == 2 else {
            throw TensorError.shapeMismatch(op: "BertEmbeddings", shapes: [ids.shape],
                                            reason: "token ids must be [batch, length]")
        }
        let length = ids.shape[1], maxPositions = positionEmbeddings.weight.shape[0]
        guard length <= maxPositions else {
            throw TensorError.invalidArgument(op: "BertEmbeddings",
                                              reason: "sequence length \(length) exceeds the \(maxPositions) positions")
        }
        let words = try wordEmbeddings.forward(ids)
        let positions = try Variable.embedding(positionEmbeddings.weight.variable(), indices: Array(0..<length),
                                               indexShape: [1, length])
        let types = try Variable.embedding(tokenTypeEmbeddings.weight.variable(), indices: [0], indexShape: [1, 1])
        return try layerNorm.forward(words + positions + types)
    }

    public var summary: String { "BertEmbeddings(\(wordEmbeddings.weight.shape[0]) words, \(wordEmbeddings.weight.shape[1]) wide)" }
}
