import XCTest
import Foundation
import Prune

/// Byte-level BPE against Hugging Face `tokenizers` (fixture: scripts/make-tokenizer-fixture.py).
final class TokenizerParityTests: XCTestCase {
    struct Case: Decodable { let text: String; let ids: [Int] }
    struct Fixture: Decodable { let cases: [Case] }

    func testIdsEqualHuggingFaceOnVariedText() throws {
        let tokenizer = try SmolLM2.checkpoint().tokenizer
        let data = try Data(contentsOf: URL(fileURLWithPath: try SmolLM2.fixture("bpe-smollm2", "json")))
        let cases = try JSONDecoder().decode(Fixture.self, from: data).cases
        XCTAssertGreaterThanOrEqual(cases.count, 16)
        for c in cases {
            let ids = tokenizer.encode(c.text, addBOS: false)
            XCTAssertEqual(ids, c.ids, "text \(c.text.debugDescription)")
            XCTAssertEqual(tokenizer.decode(ids), c.text, "decode(encode(text)) is the text")
        }
    }

    func testTokenizerJSONRoundTrip() throws {
        let tokenizer = try SmolLM2.checkpoint().tokenizer
        let path = NSTemporaryDirectory() + "prune-tokenizer-\(UUID().uuidString).json"
        try HuggingFaceTokenizerJSON.encode(tokenizer).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let back = try HuggingFaceTokenizerJSON.read(path)
        let text = try SmolLM2.jargon().text(.evaluation).prefix(20_000)
        XCTAssertEqual(back.encode(String(text)), tokenizer.encode(String(text)))
        XCTAssertEqual(back.specialTokens.sorted(), tokenizer.specialTokens.sorted())
    }
}
