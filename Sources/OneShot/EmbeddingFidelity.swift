import PruneTensor
import PruneNN

/// How close a pruned sentence encoder stays to the dense one, on held-out sentences:
/// the mean cosine between the two embeddings of each sentence, and retrieval agreement — each
/// query sentence's nearest neighbour in a corpus (by cosine) under the pruned model is the one
/// the dense model finds (top-1), and the overlap of their top-10 lists.
public struct EmbeddingFidelity: Sendable, Codable {
    public var sentences: Int
    public var meanCosine: Double
    public var minCosine: Double
    public var queries: Int
    public var corpus: Int
    public var top1Agreement: Double
    public var top10Overlap: Double

    /// Compares unit-norm embeddings `dense` and `pruned` (`[n, d]`, same sentences in the same
    /// order); the first `queries` rows are queries, the rest the corpus.
    public static func measure(dense: Tensor, pruned: Tensor, queries: Int) throws -> EmbeddingFidelity {
        guard dense.shape == pruned.shape, dense.rank == 2 else {
            throw OneShotError.invalid("embeddings to compare differ in shape: \(dense.shape) and \(pruned.shape)")
        }
        let n = dense.shape[0], d = dense.shape[1]
        let q = Swift.min(queries, n - 1)
        guard q >= 1 else { throw OneShotError.invalid("retrieval needs at least 2 evaluation sentences, got \(n)") }
        func dot(_ a: Tensor, _ i: Int, _ b: Tensor, _ j: Int) -> Double {
            var s: Float = 0
            for k in 0..<d { s += a.scalars[i * d + k] * b.scalars[j * d + k] }
            return Double(s)
        }
        var cosSum = 0.0, cosMin = Double.infinity
        for i in 0..<n { let c = dot(dense, i, pruned, i); cosSum += c; cosMin = Swift.min(cosMin, c) }
        func ranking(_ e: Tensor, _ i: Int) -> [Int] {
            let scores = (q..<n).map { dot(e, i, e, $0) }
            return scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        }
        var top1 = 0, overlap = 0
        let k = Swift.min(10, n - q)
        for i in 0..<q {
            let a = ranking(dense, i), b = ranking(pruned, i)
            if a[0] == b[0] { top1 += 1 }
            overlap += Set(a.prefix(k)).intersection(b.prefix(k)).count
        }
        return EmbeddingFidelity(sentences: n, meanCosine: cosSum / Double(n), minCosine: cosMin, queries: q,
                                 corpus: n - q,
                                 top1Agreement: Double(top1) / Double(q), top10Overlap: Double(overlap) / Double(q * k))
    }
}

extension BertModel {
    /// Sentence embeddings of many texts, in batches of `batchSize`, `[n, hidden]`.
    /// Sentences are batched in order of token length (less padding) and returned in input order.
    public func sentenceEmbeddings(_ texts: [String], tokenizer: WordPieceTokenizer,
                                   batchSize: Int = 32) throws -> Tensor {
        var rows: [Float] = []
        var d = 0
        for (idx, batch) in SentenceCorpus.lengthOrderedBatches(texts, tokenizer, batchSize: batchSize) {
            let e = try sentenceEmbeddings(batch)
            d = e.shape[1]
            if rows.isEmpty { rows = [Float](repeating: 0, count: texts.count * d) }
            for (k, i) in idx.enumerated() { for j in 0..<d { rows[i * d + j] = e.scalars[k * d + j] } }
        }
        return Tensor(unchecked: [texts.count, d], rows)
    }
}
