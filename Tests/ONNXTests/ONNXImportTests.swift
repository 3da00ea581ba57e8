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

/// One small model per operator case (scripts/onnx/make_operator_fixtures.py), against onnxruntime.
final class ONNXOperatorTests: XCTestCase {
    func testEveryOperatorCaseMatchesOnnxruntime() throws {
        let dir = Bundle.module.url(forResource: "Fixtures/ops", withExtension: nil)!
        let cases = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".onnx") }.sorted()
        XCTAssertGreaterThanOrEqual(cases.count, 25)
        print("operator cases: \(cases.count)")
        var ops = Set<String>()
        for file in cases {
            let name = String(file.dropLast(5))
            do {
                let model = try ONNXModel.load(dir.path + "/" + file)
                ops.formUnion(model.graph.nodes.map(\.opType))
                let io = try Safetensors.read(dir.path + "/" + name + ".io.safetensors")
                let out = try withNoGrad { try model.graph.forward(Variable(io.tensors["x"]!)) }
                XCTAssertEqual(out.shape, io.tensors["y"]!.shape, name)
                XCTAssertLessThan(ONNXFixtures.maxDifference(out.value, io.tensors["y"]!), 1e-4, name)
            } catch { XCTFail("\(name): \(error)") }
        }
        let required: Set<String> = ["Conv", "Gemm", "MatMul", "Add", "Sub", "Mul", "Div", "Relu", "LeakyRelu", "Gelu", "Erf", "Sigmoid", "Tanh",
                                     "Softmax", "BatchNormalization", "LayerNormalization", "MaxPool", "AveragePool", "GlobalAveragePool",
                                     "Flatten", "Reshape", "Transpose", "Concat", "Split", "Slice", "Gather", "Shape", "Unsqueeze", "Squeeze",
                                     "Identity", "Dropout", "Pow", "Sqrt", "ReduceMean", "Clip", "Cast", "Mod",
                                     "ConvTranspose", "Resize"]
        XCTAssertEqual(required.subtracting(ops), [], "operators without a parity case")
    }
}

/// Imported graphs are differentiable: fine-tuning and gradient criteria work on them.
final class ONNXGradientTests: XCTestCase {
    func testGradientsReachEveryLayerAndMatchFiniteDifferences() throws {
        for name in ["transformer", "resnet"] {
            let model = try ONNXModel.load(try ONNXFixtures.path(name))
            let (x, _) = try ONNXFixtures.io(name)
            let labels = (0..<x.shape[0]).map { $0 % 3 }
            func loss() throws -> Variable { try Variable.softmaxCrossEntropy(logits: model.graph.forward(Variable(x)), labels: labels) }
            model.graph.zeroGrad()
            try loss().backward()
            for (path, p) in model.graph.parameters() {
                XCTAssertNotNil(p.grad, "\(name): no gradient for \(path)")
            }
            // Central differences on a few weights of the first layer.
            let (path, p) = model.graph.parameters()[0]
            let grad = try XCTUnwrap(p.grad)
            for i in [0, p.value.count / 2, p.value.count - 1] {
                let h: Float = 1e-2
                let saved = p.value.scalars[i]
                p.value.scalars[i] = saved + h
                let up = try withNoGrad { try loss() }.value.item
                p.value.scalars[i] = saved - h
                let down = try withNoGrad { try loss() }.value.item
                p.value.scalars[i] = saved
                XCTAssertEqual(grad.scalars[i], (up - down) / (2 * h), accuracy: 2e-3, "\(name) \(path)[\(i)]")
            }
        }
    }
}
