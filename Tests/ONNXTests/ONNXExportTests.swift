import Foundation
import PruneAutodiff
import PruneModelIO
import PruneNN
import PrunePruning
import PrunePruningGraph
import PruneTensor
import TestSupport
import XCTest

/// Prune imported models structurally and by masks, export, and run the exports in onnxruntime.
final class ONNXExportTests: XCTestCase {
    func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("prune-onnx-\(UUID().uuidString)-\(name)").path
    }

    func firstExample(_ x: Tensor) throws -> Tensor { try x.slice(axis: 0, start: 0, end: 1) }

    func testStructuredPruningShrinksEveryFixtureAndOnnxruntimeAgrees() throws {
        try OnnxRuntimePeer.requireAvailable()
        for name in ONNXFixtures.names {
            let model = try ONNXModel.load(try ONNXFixtures.path(name))
            let (x, _) = try ONNXFixtures.io(name)
            let result = try StructuredPruner(criterion: MagnitudeImportance(norm: .l2), target: .channelRatio(0.5)).prune(model.graph, example: try firstExample(x))
            XCTAssertLessThan(result.parametersAfter, result.parametersBefore, name)
            XCTAssertLessThan(result.macsAfter, result.macsBefore, name)
            let ours = try withNoGrad { try model.graph.forward(Variable(x)) }.value
            let out = temporaryPath(name + ".onnx")
            defer { try? FileManager.default.removeItem(atPath: out) }
            try model.write(to: out)
            let reloaded = try ONNXModel.load(out)
            XCTAssertEqual(reloaded.graph.parameterCount, model.graph.parameterCount, name)
            let theirs = try OnnxRuntimePeer.run(out, x)
            let diff = ONNXFixtures.maxDifference(ours, theirs)
            print("\(name) structured: parameters \(result.parametersBefore) → \(result.parametersAfter), MACs \(result.macsBefore) → \(result.macsAfter), file parameters \(reloaded.graph.parameterCount), max |Prune − onnxruntime| = \(diff)")
            XCTAssertEqual(ours.shape, theirs.shape, name)
            XCTAssertLessThan(diff, 1e-4, name)
            if name == "transformer" {
                // Half of the 4 heads of every layer removed: q, k, v lose 2×8 rows, o 2×8 columns,
                // the Reshape targets [-1, 8, 4, 8] and [-1, 8, 32] follow.
                let shapes = Dictionary(uniqueKeysWithValues: reloaded.graph.parameters().map { ($0.path, $0.parameter.shape) })
                for l in 0..<2 {
                    for p in ["q", "k", "v"] { XCTAssertEqual(shapes["layers.\(l).\(p).weight"], [16, 32]) }
                    XCTAssertEqual(shapes["layers.\(l).o.weight"], [32, 16])
                    XCTAssertEqual(shapes["layers.\(l).ff1.weight"], [32, 32])
                }
                let targets = reloaded.graph.nodes.filter { $0.opType == "Reshape" }.compactMap { n -> [Int]? in
                    if case .integer(let t)? = reloaded.graph.constants[n.inputs[1]] { return t.values }; return nil
                }
                XCTAssertEqual(Set(targets.map { $0.description }), Set([[-1, 8, 2, 8].description, [-1, 8, 16].description]))
            }
            if name == "torch_encoder" {
                // TorchScript's nn.MultiheadAttention computes E, N·H and E / H from the input's shape: E and
                // the factor H are rewritten, so 2 of the 4 heads leave the packed in-projection (q, k, v
                // 16 rows each) and the output projection's columns, in both layers.
                let shapes = Dictionary(uniqueKeysWithValues: reloaded.graph.parameters()
                    .map { ($0.path, $0.parameter.shape) })
                for l in 0..<2 {
                    XCTAssertEqual(shapes["0_layers_\(l)_self_attn_MatMul.weight"], [48, 32])
                    XCTAssertEqual(shapes["0_layers_\(l)_self_attn_MatMul.bias"], [48])
                }
                XCTAssertEqual(shapes["0.layers.0.self_attn.out_proj.weight"], [32, 16])
                XCTAssertEqual(shapes["0_layers_1_self_attn_Gemm.weight"], [32, 16])
            }
            if name == "mobilenet" {
                // x.view(-1, 64) was exported as the constant [-1, 64]: it now names the kept channels.
                let fc = try XCTUnwrap(reloaded.graph.parameters().first { $0.path == "fc.weight" }).parameter
                let reshape = try XCTUnwrap(reloaded.graph.nodes.first { $0.opType == "Reshape" })
                guard case .integer(let target)? = reloaded.graph.constants[reshape.inputs[1]] else { return XCTFail("no constant target") }
                XCTAssertEqual(target.values, [-1, fc.shape[1]])
                XCTAssertLessThan(fc.shape[1], 64)
            }
        }
    }

    func testRoundToKeepsChannelCountsAtMultiplesOfEight() throws {
        let model = try ONNXModel.load(try ONNXFixtures.path("cnn"))
        let (x, _) = try ONNXFixtures.io("cnn")
        var pruner = StructuredPruner(criterion: MagnitudeImportance(norm: .l2), target: .channelRatio(0.3))
        pruner.roundTo = 8
        let r = try pruner.prune(model.graph, example: try firstExample(x))
        for g in r.groups { XCTAssertTrue(g.channelsAfter % 8 == 0, "\(g.members): \(g.channelsAfter)") }
        XCTAssertEqual(r.groups.map(\.channelsAfter), [16, 24, 48])
        XCTAssertLessThan(r.macsAfter, r.macsBefore)
    }

    func testMasksAreBakedIntoTheExportedInitializers() throws {
        try OnnxRuntimePeer.requireAvailable()
        for name in ONNXFixtures.names {
            for pattern in [SparsityPattern.unstructured, .nOfM(n: 2, m: 4)] {
                let model = try ONNXModel.load(try ONNXFixtures.path(name))
                let (x, _) = try ONNXFixtures.io(name)
                let targets = PruningTarget.all(in: model.graph).filter { $0.fanIn % 4 == 0 && $0.fanIn > 1 }
                let masks = try MaskBuilder.masks(targets: targets, criterion: MagnitudeImportance(), statistics: CalibrationStatistics(),
                                                  pattern: pattern, scope: PruningScope(distribution: .layerwise), sparsity: 0.5)
                for t in targets { try model.graph.setMask(Tensor(unchecked: t.shape, masks[t.path]!), at: t.path) }
                let ours = try withNoGrad { try model.graph.forward(Variable(x)) }.value
                let out = temporaryPath(name + ".onnx")
                defer { try? FileManager.default.removeItem(atPath: out) }
                try model.write(to: out)
                let reloaded = try ONNXModel.load(out)
                let zeros = PruningTarget.all(in: reloaded.graph).filter { t in targets.contains { $0.path == t.path } }
                    .reduce(0) { $0 + $1.parameter.value.scalars.filter { $0 == 0 }.count }
                let total = targets.reduce(0) { $0 + $1.count }
                XCTAssertGreaterThanOrEqual(Double(zeros), 0.5 * Double(total) - 1, "\(name) \(pattern)")
                let diff = ONNXFixtures.maxDifference(ours, try OnnxRuntimePeer.run(out, x))
                print("\(name) \(pattern): \(zeros) of \(total) weights are zeros in the exported file, max |Prune − onnxruntime| = \(diff)")
                XCTAssertLessThan(diff, 1e-4, "\(name) \(pattern)")
            }
        }
    }
}
