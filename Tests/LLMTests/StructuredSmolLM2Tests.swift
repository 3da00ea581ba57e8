import XCTest
import Foundation
import Prune

/// Structured pruning of the real SmolLM2-135M, small but real (4 calibration windows of 64 tokens,
/// perplexity on 4 windows of 128): the model stays a working language model, per-layer widths
/// survive a GGUF round trip, uniform widths with a compensation bias survive a Hugging Face one.
final class StructuredSmolLM2Tests: XCTestCase {
    func prune(_ allocator: LlamaStructureAllocator, refit: Bool = false,
               windows: Int = 4) throws -> (LlamaCheckpoint, Double) {
        let ckpt = try SmolLM2.fresh(), (evaluation, few) = try SmolLM2.tokens()
        let text = try SmolLM2.jargon().text(.calibration)
        let calibration = windows == few.count ? few : try CalibrationWindows.draw(
            from: ckpt.tokenizer.encode(String(text.prefix(200_000))), count: windows, length: 128, seed: 1)
        let importance = FluctuationImportance()
        let scores = try LlamaStructureScores.measure(ckpt.model, calibration: calibration, importance: importance)
        let plan = try allocator.plan(ckpt.model, scores: scores)
        try LlamaStructuredPruner(recovery: LeastSquaresRefit(refit: refit, compensateBias: true))
            .apply(plan, to: ckpt.model, calibration: calibration)
        let p = try Perplexity.evaluate(ckpt.model, tokens: evaluation, length: 128, maxWindows: 4)
        return (ckpt, p.perplexity)
    }

    func window(_ c: LlamaCheckpoint) -> [Int] {
        Array(c.tokenizer.encode("The Jargon File is a glossary of hacker slang.").prefix(16))
    }

    func testGlobalMixKeepsALanguageModelAndPerLayerWidthsRoundTripThroughGGUF() throws {
        let (evaluation, _) = try SmolLM2.tokens()
        let dense = try Perplexity.evaluate(try SmolLM2.checkpoint().model, tokens: evaluation, length: 128,
                                            maxWindows: 4)
        // FLAP's variance estimates need more than a few hundred tokens: 16 windows of 128 here.
        let (ckpt, pruned) = try prune(LlamaStructureAllocator(axis: .global, spread: .global, removeFraction: 0.2,
                                                               roundTo: 32), windows: 16)
        print("SmolLM2 global 20% (fluctuation, compensated): perplexity \(dense.perplexity) → \(pruned)")
        XCTAssertGreaterThan(pruned, dense.perplexity)
        XCTAssertLessThan(pruned, 5 * dense.perplexity, "still a language model (371 here)")
        let shapes = ckpt.model.layerShapes
        XCTAssertGreaterThan(Set(shapes).count, 1, "the global spread leaves blocks of different widths")
        XCTAssertEqual(1 - Double(ckpt.model.projectionWeightCount) / 106_168_320, 0.2, accuracy: 0.02)
        let dir = NSTemporaryDirectory() + "prune-structured-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertThrowsError(try ckpt.saveHuggingFace(to: dir + "/hf")) {
            XCTAssertTrue("\($0)".contains("takes one width per field"), "\($0)")
        }
        try ckpt.saveGGUF(to: dir + "/m.gguf", storage: .f32)
        let back = try LlamaCheckpoint.load(dir + "/m.gguf")
        XCTAssertEqual(back.model.layerShapes, shapes)
        let w = window(ckpt)
        XCTAssertLessThan(TinyLlama.maxDifference(try back.model.logits([w]).scalars,
                                                  try ckpt.model.logits([w]).scalars),
                          1e-4)
    }

    func testUniformWidthWithCompensationRoundTripsThroughHuggingFace() throws {
        let (ckpt, pruned) = try prune(LlamaStructureAllocator(axis: .width, spread: .uniform, removeFraction: 0.1,
                                                               roundTo: 64), refit: true)
        XCTAssertTrue(pruned.isFinite)
        XCTAssertEqual(Set(ckpt.model.layerShapes.map(\.intermediateSize)), [1280])
        XCTAssertNotNil(ckpt.model.layers[0].mlp.down.biasValue, "the compensation is a down_proj bias")
        let dir = NSTemporaryDirectory() + "prune-structured-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ckpt.saveHuggingFace(to: dir)
        let json = try Data(contentsOf: URL(fileURLWithPath: dir + "/config.json"))
        let config = try JSONSerialization.jsonObject(with: json)
            as? [String: Any]
        XCTAssertEqual(config?["intermediate_size"] as? Int, 1280)
        XCTAssertEqual(config?["mlp_bias"] as? Bool, true)
        XCTAssertEqual(config?["attention_bias"] as? Bool, false)
        let back = try LlamaCheckpoint.load(dir)
        XCTAssertEqual(back.model.layers[0].mlp.gate.biasValue?.scalars.allSatisfy { $0 == 0 }, true,
                       "gate_proj gets the zero bias mlp_bias asks for")
        let w = window(ckpt)
        XCTAssertLessThan(TinyLlama.maxDifference(try back.model.logits([w]).scalars,
                                                  try ckpt.model.logits([w]).scalars),
                          1e-4)
    }
}
