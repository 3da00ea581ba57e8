import Foundation
import PruneAutodiff
import PruneModelIO
import PruneNN
import PruneTensor
import XCTest

/// Importing PyTorch's exports: outputs equal onnxruntime's on the same inputs.
final class ONNXImportTests: XCTestCase {
    func testFixturesMatchOnnxruntime() throws {
        for name in ONNXFixtures.names {
            let model = try ONNXModel.load(try ONNXFixtures.path(name))
            let (x, y) = try ONNXFixtures.io(name)
            let out = try withNoGrad { try model.graph.forward(Variable(x)) }
            XCTAssertEqual(out.shape, y.shape, name)
            let diff = ONNXFixtures.maxDifference(out.value, y)
            print("\(name): \(model.graph.nodes.count) nodes, \(model.graph.parameterCount) parameters, max |Prune − onnxruntime| = \(diff)")
            XCTAssertLessThan(diff, 1e-4, name)
        }
    }

    func testParameterNamesFollowTheExporter() throws {
        let cnn = try ONNXModel.load(try ONNXFixtures.path("cnn"))
        let names = Set(cnn.graph.parameters().map(\.path))
        XCTAssertTrue(names.isSuperset(of: ["conv1.weight", "conv1.bias", "bn1.weight", "fc1.weight", "fc2.bias"]), "\(names.sorted())")
        let transformer = try ONNXModel.load(try ONNXFixtures.path("transformer"))
        let tNames = Set(transformer.graph.parameters().map(\.path))
        XCTAssertTrue(tNames.isSuperset(of: ["layers.0.q.weight", "layers.0.q.bias", "layers.1.ff2.weight", "head.weight"]), "\(tNames.sorted())")
    }
}
