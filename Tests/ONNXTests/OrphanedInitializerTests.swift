import Foundation
import ONNXProto
import PruneAutodiff
import PruneModelIO
import PruneNN
import PruneTensor
import TestSupport
import XCTest

/// Import folds the ConstantOfShape nodes that compute the light models' weights into initializers and drops
/// them; the stored shapes they read must go with them, or the written model carries initializers no node
/// reads (onnxruntime warned about each one, 39 for SqueezeNet). What the model computes stays the same.
final class OrphanedInitializerTests: XCTestCase {
    func testAWrittenLightModelKeepsOnlyTheInitializersItsNodesRead() throws {
        let path = try ONNXConformanceTests.suite(try ONNXConformanceTests.wheelData() + "/light")
            + "/light_squeezenet.onnx"
        let original = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: path)))
        let shapes = Set(original.graph.node.filter { $0.opType == "ConstantOfShape" }.flatMap(\.input))
        XCTAssertGreaterThan(shapes.count, 20, "the light model computes its weights from stored shapes")
        let model = try ONNXModel.load(path)
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("prune-\(UUID()).onnx").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        try model.write(to: out)
        let written = try Onnx_ModelProto(serializedBytes: try Data(contentsOf: URL(fileURLWithPath: out)))
        let read = Set(written.graph.node.flatMap(\.input)).union(written.graph.output.map(\.name))
        XCTAssertEqual(written.graph.initializer.map(\.name).filter { !read.contains($0) }, [])
        XCTAssertTrue(written.graph.input.allSatisfy { !shapes.contains($0.name) }, "inputs listing removed shapes")
        XCTAssertFalse(written.graph.node.contains { $0.opType == "ConstantOfShape" })

        var rng = RandomGenerator(seed: 3)
        let x = Tensor.normal(try XCTUnwrap(model.inputShape(batch: 1)), using: &rng)
        let again = try ONNXModel.load(out)
        let before = try withNoGrad { try model.graph.forward(Variable(x)) }.value
        let after = try withNoGrad { try again.graph.forward(Variable(x)) }.value
        XCTAssertEqual(before.shape, after.shape)
        XCTAssertEqual(before.scalars, after.scalars)
    }
}
