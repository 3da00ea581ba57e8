import Foundation
import PruneAutodiff
import PruneModelIO
import PruneNN
import PrunePruning
import PrunePruningGraph
import PruneTensor
import TestSupport
import XCTest

/// The ONNX model zoo's CNNs of the onnx wheel's `light` suite (opset 9; weights computed by
/// ConstantOfShape, initializers listed as graph inputs, DenseNet's BatchNorms written as Mul/Add of
/// per-channel constants after concatenations) pruned structurally at half of every channel group,
/// exported, and run by onnxruntime. Their stored weights are constants, so each model first gets
/// seeded random weights: the outputs then differ between classes and the comparison means something.
final class LightModelPruningTests: XCTestCase {
    static func randomize(_ graph: GraphModel, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        for (_, p) in graph.parameters() {
            let shape = p.value.shape
            if shape.count >= 2 {
                let fanIn = shape.dropFirst().reduce(1, *)
                p.value = Tensor.normal(shape, using: &rng) * Float((2.0 / Double(fanIn)).squareRoot())
            } else {
                p.value = Tensor.uniform(shape, low: 0.5, high: 1.5, using: &rng)
            }
        }
    }

    func testEveryLightModelPrunesStructurallyAndOnnxruntimeAgrees() throws {
        try OnnxRuntimePeer.requireAvailable()
        let light = try ONNXConformanceTests.suite(try ONNXConformanceTests.wheelData() + "/light")
        let files = try FileManager.default.contentsOfDirectory(atPath: light).filter { $0.hasSuffix(".onnx") }.sorted()
        XCTAssertEqual(files.count, 9)
        var pruned = 0
        for file in files {
            let model = try ONNXModel.load(light + "/" + file)
            Self.randomize(model.graph, seed: 7)
            var rng = RandomGenerator(seed: 1)
            let x = Tensor.normal(try XCTUnwrap(model.inputShape(batch: 1)), using: &rng)
            let pruner = StructuredPruner(criterion: MagnitudeImportance(norm: .l2), target: .channelRatio(0.5))
            let result: StructuredResult
            do { result = try pruner.prune(model.graph, example: x) } catch {
                // ShuffleNet: grouped convolutions and channel shuffles leave no removable channel.
                XCTAssertEqual(file, "light_shufflenet.onnx", "\(error)")
                XCTAssertTrue("\(error)".contains("no channels that can be removed"), "\(error)")
                continue
            }
            XCTAssertLessThan(result.parametersAfter, result.parametersBefore, file)
            XCTAssertLessThan(result.macsAfter, result.macsBefore, file)
            let ours = try withNoGrad { try model.graph.forward(Variable(x)) }.value
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("prune-\(UUID()).onnx").path
            defer { try? FileManager.default.removeItem(atPath: out) }
            try model.write(to: out)
            let theirs = try OnnxRuntimePeer.run(out, x)
            let largest = ours.scalars.map(abs).max() ?? 0, smallest = ours.scalars.map(abs).min() ?? 0
            XCTAssertGreaterThan(largest, 2 * smallest, "\(file): the outputs should differ between classes")
            let diff = ONNXFixtures.maxDifference(ours, theirs)
            print("\(file): \(result.groups.count) groups, parameters \(result.parametersBefore) → "
                  + "\(result.parametersAfter), MACs \(result.macsBefore) → \(result.macsAfter), "
                  + "max |Prune − onnxruntime| \(diff) (largest output \(largest))")
            XCTAssertLessThan(diff, 1e-4 * max(1, largest), file)
            pruned += 1
        }
        XCTAssertEqual(pruned, 8)
    }
}
