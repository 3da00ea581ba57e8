import Foundation
import PruneAutodiff
import PruneModelIO
import PruneNN
import PrunePruning
import PrunePruningGraph
import PruneTensor
import TestSupport
import XCTest

/// Hugging Face transformers exports (Tests/ONNXTests/Fixtures/transformers, made by
/// scripts/onnx/export_transformers_fixtures.py) pruned structurally at half of every channel group,
/// exported, and run by onnxruntime on the stored inputs (token ids, masks, token types, positions).
final class TransformersExportTests: XCTestCase {
    static let folder = OnnxRuntimePeer.repository.appendingPathComponent("Tests/ONNXTests/Fixtures/transformers").path

    /// The stored inputs of a fixture, by graph input name.
    func inputs(_ model: ONNXModel, case name: String) throws -> [String: GraphValue] {
        var feeds: [String: GraphValue] = [:]
        for (k, input) in model.graph.inputs.enumerated() {
            let file = "\(Self.folder)/\(name)/test_data_set_0/input_\(k).pb"
            feeds[input.name] = try XCTUnwrap(try ONNXConformanceRunner.tensor(file))
        }
        return feeds
    }

    func floats(_ v: GraphValue) -> Tensor {
        switch v {
        case .float(let x): return x.value
        case .integer(let t): return Tensor(unchecked: t.shape, t.values.map(Float.init))
        }
    }

    func testHalfOfEveryGroupRemovedAndOnnxruntimeAgrees() throws {
        try OnnxRuntimePeer.requireAvailable()
        let cases = try FileManager.default.contentsOfDirectory(atPath: Self.folder).sorted()
        XCTAssertGreaterThanOrEqual(cases.count, 14)
        var shrunk = 0
        for name in cases {
            let model = try ONNXModel.load("\(Self.folder)/\(name)/model.onnx")
            let feeds = try inputs(model, case: name)
            let first = floats(try XCTUnwrap(feeds[model.graph.inputs[0].name]))
            // A dynamo export has a fixed batch: trace with the whole stored batch.
            let example = model.graph.inputs[0].shape.first! == nil ? try first.slice(axis: 0, start: 0, end: 1) : first
            let pruner = StructuredPruner(criterion: MagnitudeImportance(norm: .l2), target: .channelRatio(0.5))
            let result = try pruner.prune(model.graph, example: example)
            let groups = result.groups.map { "\($0.channelsBefore)→\($0.channelsAfter)" }.joined(separator: " ")
            print("\(name): groups \(groups), parameters \(result.parametersBefore) → \(result.parametersAfter)")
            if ["bert_", "distilbert_", "roberta_", "vit_", "gpt2_", "torch_encoder_"].contains(where: name.hasPrefix) {
                // The 4 attention heads of each layer are a group: q, k, v rows and output columns go together
                // (GPT-2: the segments of its packed c_attn projection that a Split cuts into q, k and v;
                // dynamo exports: the key's heads pass through the batch axis, [N, H, T, d] → [N·H, T, d];
                // nn.MultiheadAttention: one packed in-projection reshaped to [T, N, 3, E] and cut by Gathers).
                XCTAssertEqual(result.groups.filter { $0.channelsBefore == 4 && $0.channelsAfter == 2 }.count, 2, name)
            }
            if name.hasPrefix("swin_") {
                // Window attention: 2 heads per stage, the relative position bias [heads, w², w²] sliced with them.
                XCTAssertEqual(result.groups.filter { $0.channelsBefore == 2 && $0.channelsAfter == 1 }.count, 2, name)
            }
            if name.hasPrefix("llama_gqa_") {
                // Grouped-query attention, 4 query heads sharing 2 key/value heads: each layer's group is the
                // key/value heads, each with its 2 query heads (q rows, k and v rows, output columns).
                XCTAssertEqual(result.groups.filter { $0.channelsBefore == 2 && $0.channelsAfter == 1 }.count, 2, name)
                XCTAssertEqual(result.parametersAfter, result.parametersBefore / 2, name)
            }
            if !result.groups.isEmpty {
                XCTAssertLessThan(result.parametersAfter, result.parametersBefore, name)
                shrunk += 1
            }
            let ours = try withNoGrad { try model.graph.run(feeds) }
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("prune-\(UUID()).onnx").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            try model.write(to: out)
            XCTAssertEqual(try ONNXModel.load(out).graph.parameterCount, model.graph.parameterCount, name)
            let theirs = try OnnxRuntimePeer.run(out, inputs: feeds.mapValues(floats))
            let mine = floats(try XCTUnwrap(ours[model.graph.outputNames[0]]))
            XCTAssertEqual(mine.shape, theirs.shape, name)
            XCTAssertLessThan(ONNXFixtures.maxDifference(mine, theirs), 1e-4, name)
        }
        XCTAssertGreaterThanOrEqual(shrunk, 10, "MLP widths (and ViT's heads) are found in most exports")
    }

    /// Half of every prunable weight (unstructured, and 2:4 where the fan-in allows) masked, exported:
    /// the file holds exactly the masked zeros, and onnxruntime runs it as Prune does.
    func testUnstructuredAndTwoFourExportsHoldExactlyTheMaskedZeros() throws {
        try OnnxRuntimePeer.requireAvailable()
        let cases = try FileManager.default.contentsOfDirectory(atPath: Self.folder).sorted()
        for name in cases {
            for pattern in [SparsityPattern.unstructured, .nOfM(n: 2, m: 4)] {
                let model = try ONNXModel.load("\(Self.folder)/\(name)/model.onnx")
                let feeds = try inputs(model, case: name)
                // N:M groups run along input channels: a convolution's must be a multiple of 4 too.
                let targets = PruningTarget.all(in: model.graph)
                    .filter { $0.fanIn % 4 == 0 && $0.fanIn > 1 && ($0.shape.count < 4 || $0.shape[1] % 4 == 0) }
                XCTAssertFalse(targets.isEmpty, name)
                let masks = try MaskBuilder.masks(targets: targets, criterion: MagnitudeImportance(),
                                                  statistics: CalibrationStatistics(), pattern: pattern,
                                                  scope: PruningScope(distribution: .layerwise), sparsity: 0.5)
                for t in targets { try model.graph.setMask(Tensor(unchecked: t.shape, masks[t.path]!), at: t.path) }
                let ours = try withNoGrad { try model.graph.run(feeds) }
                let out = FileManager.default.temporaryDirectory.appendingPathComponent("prune-\(UUID()).onnx").path
                defer { try? FileManager.default.removeItem(atPath: out) }
                try model.write(to: out)
                let reloaded = Dictionary(uniqueKeysWithValues: PruningTarget.all(in: try ONNXModel.load(out).graph)
                    .map { ($0.path, $0.parameter.value.scalars) })
                for t in targets {
                    let mask = masks[t.path]!, stored = try XCTUnwrap(reloaded[t.path], t.path)
                    XCTAssertEqual(stored.filter { $0 == 0 }.count, mask.filter { $0 == 0 }.count, "\(name) \(t.path)")
                    XCTAssertEqual(mask.filter { $0 == 0 }.count * 2, mask.count, "\(name) \(t.path) \(pattern)")
                    XCTAssertTrue(zip(stored, mask).allSatisfy { ($0 == 0) == ($1 == 0) }, "\(name) \(t.path)")
                }
                let theirs = try OnnxRuntimePeer.run(out, inputs: feeds.mapValues(floats))
                let mine = floats(try XCTUnwrap(ours[model.graph.outputNames[0]]))
                XCTAssertLessThan(ONNXFixtures.maxDifference(mine, theirs), 1e-4, "\(name) \(pattern)")
            }
        }
    }
}
