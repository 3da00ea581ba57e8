import Foundation
import PruneAutodiff
import PruneModelIO
import PruneNN
import PruneTensor
import TestSupport
import XCTest

/// Models written in Swift exported as ONNX: outputs equal to Prune's own forward pass in onnxruntime
/// and after re-import, masks applied, and a clear error for a module that cannot be exported.
final class NativeONNXExportTests: XCTestCase {
    func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("prune-native-\(UUID().uuidString)-\(name)").path
    }

    /// Models whose every kind of layer shows in the output: BatchNorm statistics and affine terms away from
    /// their defaults, a mask on one weight.
    func models() -> [(String, Sequential)] {
        var rng = RandomGenerator(seed: 4)
        let resnet = ResNetSmall.make(width: 8, rng: &rng)
        for (_, m) in resnet.namedModules() {
            guard let bn = m as? BatchNorm else { continue }
            bn.runningMean.value = .uniform([bn.channels], low: -0.2, high: 0.2, using: &rng)
            bn.runningVar.value = .uniform([bn.channels], low: 0.5, high: 1.5, using: &rng)
            bn.weight.value = .uniform([bn.channels], low: 0.5, high: 1.5, using: &rng)
            bn.bias.value = .uniform([bn.channels], low: -0.1, high: 0.1, using: &rng)
        }
        let lenet = LeNet5.make(rng: &rng)
        let fc = lenet.parameters().first { $0.path == "classifier.1.weight" }!.parameter
        fc.mask = Tensor.uniform(fc.shape, using: &rng).map { $0 < 0.5 ? 0 : 1 }
        let mixed = Sequential([Conv2d(1, 4, kernel: 3, stride: 2, padding: 1, rng: &rng), GELU(),
                                AvgPool2d(kernel: 2), Concatenate([Sequential([Tanh()]), Sequential([Sigmoid()])]),
                                LeakyReLU(slope: 0.1), Dropout(0.5), Flatten(), Linear(8 * 7 * 7, 16, rng: &rng),
                                LayerNorm([16]), Linear(16, 3, bias: false, rng: &rng)])
        return [("resnet-small", resnet), ("lenet5", lenet), ("mixed", mixed)]
    }

    func testExportsRunInOnnxruntimeAndReimportWithTheSameOutputs() throws {
        try OnnxRuntimePeer.requireAvailable()
        var rng = RandomGenerator(seed: 9)
        let x = Tensor.uniform([3, 1, 28, 28], using: &rng)
        for (name, model) in models() {
            model.eval()
            let ours = try withNoGrad { try model(Variable(x)) }.value
            let path = temporaryPath(name + ".onnx")
            defer { try? FileManager.default.removeItem(atPath: path) }
            try NativeONNXExport.write(model, inputShape: [1, 1, 28, 28], to: path)
            let theirs = try OnnxRuntimePeer.run(path, inputs: ["input": x])
            XCTAssertEqual(theirs.shape, ours.shape, name)
            XCTAssertLessThan(ONNXFixtures.maxDifference(ours, theirs), 1e-4, "\(name): onnxruntime")
            let reimported = try ONNXModel.load(path)
            let again = try withNoGrad { try reimported.graph.forward(Variable(x)) }.value
            XCTAssertLessThan(ONNXFixtures.maxDifference(ours, again), 1e-4, "\(name): re-imported")
            let weights = model.parameters().reduce(0) { $0 + $1.parameter.value.count }
            XCTAssertEqual(reimported.graph.parameterCount, weights, name)
        }
    }

    func testAModuleWithoutAnExportIsAClearError() throws {
        final class Custom: Module {
            var isTraining = false
            func forward(_ x: Variable) throws -> Variable { x }
        }
        XCTAssertThrowsError(try NativeONNXExport.model(Sequential(named: [("odd", Custom())]), inputShape: [1, 4])) {
            XCTAssertTrue("\($0)".contains("odd") && "\($0)".contains("Custom") && "\($0)".contains("ONNX"), "\($0)")
        }
        XCTAssertThrowsError(try NativeONNXExport.model(Sequential([ReLU()]), inputShape: [4])) {
            XCTAssertTrue("\($0)".contains("input shape"), "\($0)")
        }
    }
}
