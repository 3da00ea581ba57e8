import Foundation
import ONNXProto
import PruneAutodiff
import PruneModelIO
import PruneTensor
import TestSupport
import XCTest

/// An imported Dropout builds its mask only when a node or the graph's outputs read it (SqueezeNet names a
/// mask nothing reads): the node then has one output and runs as the identity; a mask that is read is kept.
final class DropoutMaskTests: XCTestCase {
    func node(_ op: String, _ inputs: [String], _ outputs: [String]) -> Onnx_NodeProto {
        var n = Onnx_NodeProto()
        n.opType = op; n.input = inputs; n.output = outputs; n.name = op.lowercased()
        return n
    }

    /// x → Dropout (y, mask) → Relu → z; the mask among the graph's outputs when `maskOut`.
    func model(maskOut: Bool) throws -> ONNXModel {
        let m = ONNXProtoBuilding.model(
            nodes: [node("Dropout", ["x"], ["y", "mask"]), node("Relu", ["y"], ["z"])],
            inputs: [ONNXProtoBuilding.value("x", dims: [2, 3])],
            outputs: [ONNXProtoBuilding.value("z")] + (maskOut ? [ONNXProtoBuilding.value("mask", type: 9)] : []))
        return try ONNXModel.decode(try m.serializedData())
    }

    func testAnUnreadMaskIsNotBuilt() throws {
        let model = try model(maskOut: false)
        let dropout = try XCTUnwrap(model.graph.nodes.first { $0.opType == "Dropout" })
        XCTAssertEqual(dropout.outputs, ["y"])
        let x = try Tensor(shape: [2, 3], scalars: [-1, 2, -3, 4, 0, 6])
        let z = try withNoGrad { try model.graph.forward(Variable(x)) }
        XCTAssertEqual(z.value.scalars, [0, 2, 0, 4, 0, 6])
    }

    func testAMaskTheGraphReturnsIsKept() throws {
        let dropout = try XCTUnwrap(try model(maskOut: true).graph.nodes.first { $0.opType == "Dropout" })
        XCTAssertEqual(dropout.outputs, ["y", "mask"])
    }
}
