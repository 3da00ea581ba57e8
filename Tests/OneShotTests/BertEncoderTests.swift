import XCTest
import PruneTensor
import PruneNN
import PruneModelIO
import PruneOneShot

/// The Swift BERT encoder and WordPiece tokenizer against sentence-transformers on all-MiniLM-L6-v2
/// (fixture made by scripts/parity/minilm_reference.py).
final class BertEncoderTests: XCTestCase {
    func testTokenizerMatchesHuggingFace() throws {
        let ckpt = try MiniLM.checkpoint()
        let ref = try MiniLMReference.load()
        for (text, ids) in zip(ref.texts, ref.input_ids) {
            XCTAssertEqual(ckpt.tokenizer.encode(text), ids, "tokens of \(text)")
        }
    }

    func testTokenizerJSONGivesTheSameVocabulary() throws {
        _ = try MiniLM.checkpoint()
        let a = try WordPieceTokenizer(vocabularyFile: MiniLM.directory + "/vocab.txt")
        let b = try WordPieceTokenizer(tokenizerJSON: MiniLM.directory + "/tokenizer.json")
        XCTAssertEqual(a.vocabulary, b.vocabulary)
    }

    func testSentenceEmbeddingsMatchSentenceTransformers() throws {
        let ckpt = try MiniLM.checkpoint()
        let ref = try MiniLMReference.load()
        XCTAssertGreaterThanOrEqual(ref.texts.count, 60)
        // Padded batches of 16: the padding must not change any sentence's embedding.
        let emb = try ckpt.model.sentenceEmbeddings(ref.texts, tokenizer: ckpt.tokenizer, batchSize: 16)
        var worst: Float = 0, lowestCosine: Float = 1
        for (i, row) in ref.embeddings.enumerated() {
            var dot: Float = 0
            for (j, v) in row.enumerated() {
                let a = emb.scalars[i * row.count + j]
                worst = max(worst, abs(a - v)); dot += a * v
            }
            lowestCosine = min(lowestCosine, dot)
        }
        print("MiniLM vs sentence-transformers on \(ref.texts.count) sentences: largest difference \(worst), lowest cosine \(lowestCosine)")
        XCTAssertLessThan(worst, 1e-4, "largest difference to sentence-transformers")
        XCTAssertGreaterThanOrEqual(lowestCosine, 0.9999)
    }

    func testMissingOrCorruptCheckpointNamesTheProblem() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prune-bert-\(UUID().uuidString)").path
        XCTAssertThrowsError(try BertCheckpoint.load(directory: dir)) { XCTAssertTrue("\($0)".contains("not a folder")) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("{\"model_type\": \"bert\", \"hidden_size\": 384}".utf8).write(to: URL(fileURLWithPath: dir + "/config.json"))
        XCTAssertThrowsError(try BertCheckpoint.load(directory: dir)) { XCTAssertTrue("\($0)".contains("num_attention_heads"), "\($0)") }
        try Data("{\"model_type\": \"gpt2\"}".utf8).write(to: URL(fileURLWithPath: dir + "/config.json"))
        XCTAssertThrowsError(try BertCheckpoint.load(directory: dir)) { XCTAssertTrue("\($0)".contains("gpt2"), "\($0)") }
    }
}
