import XCTest
import Foundation
import Prune

/// The streamed decoder (one block in memory, pruned blocks spilled to disk) gives exactly the
/// model and perplexities of the decoder held whole, on the real SmolLM2-135M.
final class StreamedDecoderTests: XCTestCase {
    func streamed() throws -> StreamedLlamaModel {
        _ = try SmolLM2.checkpoint()  // fails with the set-up's message when the file is missing
        return try StreamedLlamaModel(LlamaSource.open(SmolLM2.path))
    }

    func testDensePerplexityIsTheWholeModels() throws {
        let (evaluation, _) = try SmolLM2.tokens()
        let whole = try Perplexity.evaluate(try SmolLM2.checkpoint().model, tokens: evaluation, length: 96,
                                            stride: 64, maxWindows: 5)
        let streamed = try Perplexity.evaluate(try streamed(), tokens: evaluation, length: 96, stride: 64,
                                               maxWindows: 5)
        XCTAssertEqual(streamed, whole)
        XCTAssertEqual(streamed.tokens, 95 + 4 * 64)
    }

    func testPruningStreamedGivesTheSameWeightsAndPerplexity() throws {
        let (evaluation, calibration) = try SmolLM2.tokens()
        let cases: [(any OneShotMethod, OneShotSparsity, Bool)] = [(SparseGPT(), .nOfM(n: 2, m: 4), false),
                                                                    (Wanda(), .unstructured(0.6), true)]
        for (method, sparsity, owl) in cases {
            let label = "\(method.name) \(sparsity)\(owl ? " OWL" : "")"
            let whole = try SmolLM2.fresh().model, streamed = try streamed()
            let expected = try prune(whole, method, sparsity, owl: owl, calibration: calibration)
            let results = try prune(streamed, method, sparsity, owl: owl, calibration: calibration)
            XCTAssertEqual(results.map(\.sparsity), expected.map(\.sparsity), label)
            let blockBytes = whole.layers[0].parameters().reduce(0) { $0 + $1.parameter.value.count * 4 }
            XCTAssertEqual(streamed.spilledBytes, 30 * blockBytes, "\(label): each pruned block saved once")
            XCTAssertEqual(try Perplexity.evaluate(streamed, tokens: evaluation, length: 128, maxWindows: 3),
                           try Perplexity.evaluate(whole, tokens: evaluation, length: 128, maxWindows: 3), label)
            let materialized = try streamed.materialize()
            for (b, block) in whole.layers.enumerated() {
                let mine = Dictionary(uniqueKeysWithValues: materialized.layers[b].parameters()
                                      .map { ($0.path, $0.parameter.effectiveValue) })
                for (path, p) in block.parameters() {
                    XCTAssertEqual(mine[path], p.effectiveValue, "\(label): block \(b) \(path)")
                }
            }
        }
    }

    func prune<M: BlockSequentialModel>(_ model: M, _ method: any OneShotMethod, _ sparsity: OneShotSparsity,
                                        owl: Bool, calibration: [M.Batch]) throws -> [OneShotLayerResult] {
        let blocks = owl ? try OWLAllocation().blockSparsities(model, calibration: calibration, target: sparsity)
            : nil
        return try OneShotPruner(method: method, sparsity: sparsity, blockSparsities: blocks)
            .prune(model, calibration: calibration)
    }
}
