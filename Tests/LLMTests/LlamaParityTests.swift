import XCTest
import Foundation
import Prune

/// SmolLM2-135M read from GGUF against transformers' LlamaForCausalLM on the same dequantized
/// weights (fixture: scripts/make-llama-fixture.py, 8 windows of 32 tokens of the Jargon File).
final class LlamaParityTests: XCTestCase {
    func testLogitsAndPerplexityEqualTransformers() throws {
        let model = try SmolLM2.checkpoint().model
        let fixture = try Safetensors.read(try SmolLM2.fixture("smollm2-logits", "safetensors"))
        let vocabIDs = try XCTUnwrap(fixture["vocab_ids"]).scalars.map { Int($0) }
        var worst: Float = 0, worstLSE: Double = 0, ours = 0.0, theirs = 0.0, count = 0
        for w in 0..<8 {
            let ids = try XCTUnwrap(fixture["window\(w).ids"]).scalars.map { Int($0) }
            let logits = try model.logits([ids])
            let vocab = model.config.vocabularySize
            let expected = try XCTUnwrap(fixture["window\(w).logits"]).scalars
            let lse = try XCTUnwrap(fixture["window\(w).lse"]).scalars
            let nll = try XCTUnwrap(fixture["window\(w).nll"]).scalars
            for p in 0..<ids.count {
                let row = Array(logits.scalars[(p * vocab)..<((p + 1) * vocab)])
                for (k, id) in vocabIDs.enumerated() { worst = max(worst,
                                                                   abs(row[id] - expected[p * vocabIDs.count + k])) }
                let m = Double(row.max()!), mine = m + log(row.reduce(0.0) { $0 + exp(Double($1) - m) })
                worstLSE = max(worstLSE, abs(mine - Double(lse[p])))
                if p + 1 < ids.count { ours += mine - Double(row[ids[p + 1]]); theirs += Double(nll[p]); count += 1 }
            }
        }
        print("SmolLM2 logits vs transformers: max abs difference \(worst), log-sum-exp \(worstLSE)")
        XCTAssertLessThanOrEqual(worst, 1e-3)
        let (pplOurs, pplTheirs) = (exp(ours / Double(count)), exp(theirs / Double(count)))
        print("perplexity over 8 × 32 tokens: Prune \(pplOurs), transformers \(pplTheirs)")
        XCTAssertEqual(pplOurs, pplTheirs, accuracy: pplTheirs * 5e-5, "equal to 4 significant digits")
    }
}
