import XCTest
import PruneTensor
import PruneNN
import PruneModelIO

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
        // One padded batch: the padding must not change any sentence's embedding.
        let batch = ckpt.tokenizer.encodeBatch(ref.texts)
        let emb = try ckpt.model.sentenceEmbeddings(batch)
        var worst: Float = 0
        for (i, row) in ref.embeddings.enumerated() {
            for (j, v) in row.enumerated() { worst = max(worst, abs(emb.scalars[i * row.count + j] - v)) }
        }
        XCTAssertLessThan(worst, 1e-4, "largest difference to sentence-transformers")
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
