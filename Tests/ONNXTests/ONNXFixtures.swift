import Foundation
import PruneModelIO
import PruneTensor
import XCTest
import TestSupport

/// The PyTorch-exported fixtures (scripts/onnx/export_fixtures.py) and their onnxruntime outputs.
enum ONNXFixtures {
    static let names = ["mlp", "cnn", "resnet", "mobilenet", "transformer", "torch_encoder"]

    static func path(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: "onnx") else {
            throw MissingTestInput("committed fixture \(name).onnx")
        }
        return url.path
    }

    /// The seeded input and onnxruntime's output on it.
    static func io(_ name: String) throws -> (x: Tensor, y: Tensor) {
        let url = Bundle.module.url(forResource: "Fixtures/\(name).io", withExtension: "safetensors")!
        let state = try Safetensors.read(url.path)
        return (state.tensors["x"]!, state.tensors["y"]!)
    }

    static func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
        zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? .infinity
    }
}
