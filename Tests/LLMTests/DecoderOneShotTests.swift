import XCTest
import Foundation
import Prune

/// One-shot pruning of the real SmolLM2-135M, small but real: a few calibration windows of the
/// Jargon File's calibration part, perplexity on a few windows of its evaluation part.
final class DecoderOneShotTests: XCTestCase {
    func tokens() throws -> (evaluation: [Int], calibration: [TokenRows]) { try SmolLM2.tokens() }

    func prunedPerplexity(_ method: any OneShotMethod, _ sparsity: OneShotSparsity, owl: Bool = false) throws
        -> (Double, LlamaCheckpoint, [OneShotLayerResult]) {
        let (evaluation, calibration) = try tokens()
        let ckpt = try SmolLM2.fresh()
        let blocks = owl ? try OWLAllocation().blockSparsities(ckpt.model, calibration: calibration,
                                                               target: sparsity) : nil
        let layers = try OneShotPruner(method: method, sparsity: sparsity, blockSparsities: blocks)
            .prune(ckpt.model, calibration: calibration)
        let p = try Perplexity.evaluate(ckpt.model, tokens: evaluation, length: 128, maxWindows: 4)
        return (p.perplexity, ckpt, layers)
    }

    func testWandaAndSparseGPTBeatMagnitudeAndPatternsHold() throws {
        let (evaluation, _) = try tokens()
        let dense = try Perplexity.evaluate(try SmolLM2.checkpoint().model, tokens: evaluation, length: 128,
                                            maxWindows: 4)
        let (magnitude, _, _) = try prunedPerplexity(MagnitudeOneShot(), .unstructured(0.5))
        let (wanda, _, wandaLayers) = try prunedPerplexity(Wanda(), .unstructured(0.5))
        let (sparsegpt, sgpt, _) = try prunedPerplexity(SparseGPT(), .nOfM(n: 2, m: 4))
        print("SmolLM2 perplexity on 4 × 128 tokens: dense \(dense.perplexity), magnitude 50% \(magnitude), "
              + "Wanda 50% \(wanda), SparseGPT 2:4 \(sparsegpt)")
        XCTAssertEqual(dense.tokens, 4 * 127)
        XCTAssertLessThan(dense.perplexity, wanda)
        XCTAssertLessThan(wanda, magnitude, "Wanda beats magnitude at 50%")
        XCTAssertEqual(wandaLayers.count, 30 * 7)
        for l in wandaLayers { XCTAssertEqual(l.sparsity, 0.5, accuracy: 1e-9, l.path) }
        for block in sgpt.model.layers {
            for (path, layer) in block.linearLayers {
                let w = layer.prunableWeight.value.scalars
                for g in stride(from: 0, to: w.count, by: 4) {
                    XCTAssertGreaterThanOrEqual(w[g..<(g + 4)].filter { $0 == 0 }.count, 2, path)
                }
            }
        }
    }

    func testOWLSpreadsTheSparsityAndKeepsTheTotal() throws {
        let (_, ckpt, layers) = try prunedPerplexity(Wanda(), .unstructured(0.6), owl: true)
        let weights = layers.reduce(0) { $0 + $1.shape.reduce(1, *) }
        let perBlock = Dictionary(grouping: layers) { $0.path.split(separator: ".")[2] }
        let sparsities = perBlock.values.map { $0[0].sparsity }
        XCTAssertEqual(sparsities.max()! - sparsities.min()!, 0.16, accuracy: 0.01, "OWL spreads the blocks over 2λ")
        let blocks = Double(perBlock.count)
        XCTAssertEqual(sparsities.reduce(0, +) / blocks, 0.6, accuracy: 1e-3, "the mean block sparsity is the target")
        XCTAssertGreaterThan(weights, 0)
        XCTAssertEqual(ckpt.model.layers.count, 30)
    }

    func testExportsReloadWithTheSameLogits() throws {
        let (_, ckpt, _) = try prunedPerplexity(Wanda(), .nOfM(n: 2, m: 4))
        let dir = NSTemporaryDirectory() + "prune-llm-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let window = Array(ckpt.tokenizer.encode("The Jargon File is a glossary of hacker slang.").prefix(16))
        let expected = try ckpt.model.logits([window]).scalars
        try ckpt.saveHuggingFace(to: dir + "/hf")
        try ckpt.saveGGUF(to: dir + "/model.gguf", storage: .f32)
        for path in [dir + "/hf", dir + "/model.gguf"] {
            let back = try LlamaCheckpoint.load(path)
            let logits = try back.model.logits([window]).scalars
            let worst = zip(logits, expected).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 1e-4, "\(path): logits after reloading")
            let sample = "Grüße 123 <|im_end|>"
            XCTAssertEqual(back.tokenizer.encode(sample), ckpt.tokenizer.encode(sample))
            let up = back.model.layers[0].linearLayers.first { $0.path == "mlp.up_proj" }!.layer
            let zeros = up.prunableWeight.value.scalars.filter { $0 == 0 }.count
            let own = ckpt.model.layers[0].linearLayers.first { $0.path == "mlp.up_proj" }!.layer
            XCTAssertEqual(zeros, own.prunableWeight.value.scalars.filter { $0 == 0 }.count,
                           "\(path): zeros stored as zeros")
            XCTAssertGreaterThanOrEqual(zeros, 1536 * 576 / 2)
        }
        let configData = try Data(contentsOf: URL(fileURLWithPath: dir + "/hf/config.json"))
        let config = try JSONSerialization.jsonObject(with: configData)
            as? [String: Any]
        XCTAssertEqual(config?["model_type"] as? String, "llama")
        XCTAssertEqual(config?["tie_word_embeddings"] as? Bool, true)
        XCTAssertThrowsError(try ckpt.saveGGUF(to: SmolLM2.path)) {
            XCTAssertTrue("\($0)".contains("refusing to overwrite"))
        }
    }

    func testGenerationWithTheCacheEqualsRecomputingEverything() throws {
        let ckpt = try SmolLM2.checkpoint()
        var settings = GenerationSettings(maxTokens: 6)
        settings.stopAtEOS = false
        let generated = try TextGenerator(model: ckpt.model, tokenizer: ckpt.tokenizer).generate("The hacker",
                settings: settings)
        var ids = ckpt.tokenizer.encode("The hacker")
        for expected in generated.tokens {
            let logits = try ckpt.model.logits([ids]).scalars
            let last = Array(logits[(logits.count - ckpt.model.config.vocabularySize)...])
            let argmax = last.indices.max { last[$0] < last[$1] }!
            XCTAssertEqual(argmax, expected, "greedy token after \(ids.count) tokens")
            ids.append(expected)
        }
        settings.temperature = 0.8
        settings.seed = 5
        let a = try TextGenerator(model: ckpt.model, tokenizer: ckpt.tokenizer).generate("The hacker",
                                                                                         settings: settings)
        let b = try TextGenerator(model: ckpt.model, tokenizer: ckpt.tokenizer).generate("The hacker",
                                                                                         settings: settings)
        XCTAssertEqual(a.tokens, b.tokens, "same seed, same text")
    }
}
