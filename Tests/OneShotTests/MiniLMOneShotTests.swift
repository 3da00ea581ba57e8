import XCTest
import PruneTensor
import PruneNN
import PruneModelIO
import PruneOneShot

/// One-shot pruning of the real all-MiniLM-L6-v2 on real English sentences (held-out evaluation).
final class MiniLMOneShotTests: XCTestCase {
    func corpus() throws -> SentenceCorpus {
        try SentenceCorpus(sentences: MiniLM.sentences(), calibrationCount: 48, evaluationCount: 96, seed: 1)
    }

    func testSparseGPTBeatsWandaBeatsMagnitudeAt50Percent() throws {
        let base = try MiniLM.checkpoint()
        let c = try corpus()
        let dense = try base.model.sentenceEmbeddings(c.evaluation, tokenizer: base.tokenizer)
        var cosines: [String: Double] = [:]
        for name in ["magnitude", "wanda", "sparsegpt"] {
            let ckpt = try MiniLM.freshModel()
            let results = try OneShotPruner(method: try OneShotMethods.named(name), sparsity: .unstructured(0.5))
                .prune(ckpt.model, calibration: c.calibrationBatches(ckpt.tokenizer, batchSize: 16))
            XCTAssertEqual(results.count, 36, "six Linear layers in each of six blocks")
            for r in results { XCTAssertEqual(r.sparsity, 0.5, accuracy: 0.01, r.path) }
            let pruned = try ckpt.model.sentenceEmbeddings(c.evaluation, tokenizer: ckpt.tokenizer)
            let f = try EmbeddingFidelity.measure(dense: dense, pruned: pruned, queries: 32)
            cosines[name] = f.meanCosine
            print("MiniLM 50% \(name): mean cosine \(f.meanCosine), top-1 agreement \(f.top1Agreement)")
        }
        XCTAssertGreaterThan(cosines["sparsegpt"]!, cosines["wanda"]!)
        XCTAssertGreaterThan(cosines["wanda"]!, cosines["magnitude"]!)
        XCTAssertGreaterThan(cosines["sparsegpt"]!, 0.85)
    }

    func testTwoOfFourHoldsInEveryPrunedLayer() throws {
        let ckpt = try MiniLM.freshModel()
        let c = try corpus()
        _ = try OneShotPruner(method: SparseGPT(), sparsity: .nOfM(n: 2, m: 4)).prune(ckpt.model, calibration: c.calibrationBatches(ckpt.tokenizer, batchSize: 16))
        for layer in ckpt.model.layers {
            for (path, l) in layer.linearLayers {
                let w = l.prunableWeight.value.scalars
                for g in stride(from: 0, to: w.count, by: 4) {
                    XCTAssertGreaterThanOrEqual(w[g..<(g + 4)].filter { $0 == 0 }.count, 2, "\(path) group \(g)")
                }
            }
        }
    }

    func testRemovingHeadsEqualsGatingThemOff() throws {
        let ckpt = try MiniLM.freshModel()
        let c = try corpus()
        let batch = ckpt.tokenizer.encodeBatch(Array(c.evaluation.prefix(8)))
        let sa = ckpt.model.layers[2].attention.selfAttention
        var gates = [Float](repeating: 1, count: 12)
        gates[3] = 0; gates[7] = 0
        sa.headGates = gates
        let gated = try ckpt.model.sentenceEmbeddings(batch)
        sa.headGates = nil
        let before = ckpt.model.parameterCount
        try ckpt.model.layers[2].attention.keepHeads([0, 1, 2, 4, 5, 6, 8, 9, 10, 11])
        XCTAssertEqual(ckpt.model.headsPerLayer, [12, 12, 10, 12, 12, 12])
        XCTAssertEqual(before - ckpt.model.parameterCount, 2 * 32 * (3 * (384 + 1) + 384), "Q, K, V rows with biases and W_O columns")
        let removed = try ckpt.model.sentenceEmbeddings(batch)
        let diff = zip(gated.scalars, removed.scalars).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(diff, 1e-5)
    }

    func testHeadPrunerAndBlockInfluenceShrinkTheModelAndKeepItClose() throws {
        let ckpt = try MiniLM.freshModel()
        let c = try corpus()
        let calib = c.calibrationBatches(ckpt.tokenizer, batchSize: 16)
        let dense = try ckpt.model.sentenceEmbeddings(c.evaluation, tokenizer: ckpt.tokenizer)
        let bi = try BlockInfluence().scores(ckpt.model, calibration: calib)
        XCTAssertEqual(bi.count, 6)
        for s in bi { XCTAssertTrue(s > 0 && s < 1, "BI \(s)") }
        let (removed, _) = try BlockInfluence().prune(ckpt.model, count: 1, calibration: calib)
        XCTAssertEqual(removed, [bi.indices.min { bi[$0] < bi[$1] }!])
        XCTAssertEqual(ckpt.model.layers.count, 5)
        let heads = try HeadPruner(importance: .outputNorm).prune(ckpt.model, count: 12, calibration: calib)
        XCTAssertEqual(heads.count, 12)
        XCTAssertEqual(ckpt.model.headsPerLayer.reduce(0, +), 48)
        let pruned = try ckpt.model.sentenceEmbeddings(c.evaluation, tokenizer: ckpt.tokenizer)
        let f = try EmbeddingFidelity.measure(dense: dense, pruned: pruned, queries: 32)
        print("MiniLM minus 1 block and 12 heads: mean cosine \(f.meanCosine)")
        XCTAssertGreaterThan(f.meanCosine, 0.8)
        XCTAssertLessThan(f.meanCosine, 0.9999)
        XCTAssertThrowsError(try BlockInfluence().prune(ckpt.model, count: 5, calibration: calib))
        XCTAssertThrowsError(try HeadPruner().prune(ckpt.model, count: 49, calibration: calib))
    }

    func testAblationScoresFavourTheHeadsThatMatter() throws {
        let ckpt = try MiniLM.freshModel()
        let c = try SentenceCorpus(sentences: MiniLM.sentences(), calibrationCount: 8, evaluationCount: 0, seed: 2)
        let calib = c.calibrationBatches(ckpt.tokenizer, batchSize: 8)
        let scores = try HeadPruner(importance: .ablation).scores(ckpt.model, calibration: calib)
        XCTAssertEqual(scores.map(\.count), [12, 12, 12, 12, 12, 12])
        for s in scores.flatMap({ $0 }) { XCTAssertGreaterThanOrEqual(s, -1e-6) }
        // Each score is 1 − mean cosine between the dense embeddings and those of the model without that
        // head: recompute it for the most and the least important head by removing the head physically.
        let flat = scores.enumerated().flatMap { l, row in row.enumerated().map { (l, $0.offset, $0.element) } }
        let dense = try embeddings(ckpt.model, calib)
        for (layer, head, score) in [flat.max { $0.2 < $1.2 }!, flat.min { $0.2 < $1.2 }!] {
            let pruned = try MiniLM.freshModel().model
            try pruned.layers[layer].attention.keepHeads((0..<12).filter { $0 != head })
            let cut = try embeddings(pruned, calib)
            var cosSum = 0.0
            for (a, b) in zip(dense, cut) { cosSum += Double(zip(a, b).reduce(Float(0)) { $0 + $1.0 * $1.1 }) }
            XCTAssertEqual(score, 1 - cosSum / Double(dense.count), accuracy: 1e-4, "head \(head) of layer \(layer)")
        }
        XCTAssertGreaterThan(flat.max { $0.2 < $1.2 }!.2, flat.min { $0.2 < $1.2 }!.2)
    }

    /// Unit sentence embeddings of every calibration sentence, one array each.
    func embeddings(_ model: BertModel, _ batches: [TokenBatch]) throws -> [[Float]] {
        try batches.flatMap { batch -> [[Float]] in
            var x = try model.embed(tokens: batch)
            for l in model.layers.indices { x = try model.runLayer(l, x, batch: batch) }
            let e = BertModel.sentenceEmbeddings(hidden: x, batch: batch), d = e.shape[1]
            return (0..<batch.count).map { Array(e.scalars[$0 * d..<($0 + 1) * d]) }
        }
    }

    func testSavedPrunedModelLoadsBackIdentically() throws {
        let ckpt = try MiniLM.freshModel()
        let c = try corpus()
        let calib = c.calibrationBatches(ckpt.tokenizer, batchSize: 16)
        try BlockInfluence().prune(ckpt.model, count: 1, calibration: calib)
        try HeadPruner(importance: .outputNorm).prune(ckpt.model, count: 6, calibration: calib)
        _ = try OneShotPruner(method: Wanda(), sparsity: .unstructured(0.3)).prune(ckpt.model, calibration: calib)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prune-minilm-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ckpt.save(ckpt.model, to: dir)
        let back = try BertCheckpoint.load(directory: dir)
        XCTAssertEqual(back.model.headsPerLayer, ckpt.model.headsPerLayer)
        XCTAssertTrue(back.extraTensors.keys.contains("pooler.dense.weight"))
        let batch = ckpt.tokenizer.encodeBatch(Array(c.evaluation.prefix(6)))
        XCTAssertEqual(try back.model.sentenceEmbeddings(batch).scalars, try ckpt.model.sentenceEmbeddings(batch).scalars)
        XCTAssertThrowsError(try ckpt.save(ckpt.model, to: MiniLM.directory)) { XCTAssertTrue("\($0)".contains("overwrite the input")) }
    }

    func testFidelityOfIdenticalEmbeddingsIsPerfect() throws {
        let base = try MiniLM.checkpoint()
        let c = try corpus()
        let e = try base.model.sentenceEmbeddings(Array(c.evaluation.prefix(20)), tokenizer: base.tokenizer)
        let f = try EmbeddingFidelity.measure(dense: e, pruned: e, queries: 5)
        XCTAssertEqual(f.meanCosine, 1, accuracy: 1e-5)
        XCTAssertEqual(f.top1Agreement, 1)
        XCTAssertEqual(f.top10Overlap, 1)
        XCTAssertEqual(f.corpus, 15)
    }
}
