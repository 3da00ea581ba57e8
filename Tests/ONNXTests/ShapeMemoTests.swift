import Foundation
import PruneAutodiff
import PruneModelIO
import PruneNN
import PruneTensor
import TestSupport
import XCTest

/// TorchScript transformer exports compute their reshape targets from Shape nodes; inference remembers
/// those computations between runs (``GraphModel/run(_:)``). Runs over changing sequence lengths give the
/// same bits as a fresh import of the model running once.
final class ShapeMemoTests: XCTestCase {
    /// Token ids [1, n] (n the sequence length) for the language models, else float inputs of batch n.
    static let inputs: [(name: String, shape: @Sendable (Int) -> [Int])] = [
        ("bert_torchscript_opset14", { [1, $0] }), ("gpt2_torchscript_opset14", { [1, $0] }),
        ("torch_encoder_torchscript_opset14", { [$0 - 4, 7, 32] }),
        ("swin_torchscript_opset17", { [$0 - 4, 3, 32, 32] })]

    func testTransformerExportsGiveTheSameBitsOverChangingShapes() throws {
        let folder = OnnxRuntimePeer.repository.appendingPathComponent("Tests/ONNXTests/Fixtures/transformers").path
        for (name, shape) in Self.inputs {
            let graph = try ONNXModel.load("\(folder)/\(name)/model.onnx").graph
            graph.eval()
            var nodesRun: [Int] = []
            for n in [5, 5, 6, 5] {
                let size = shape(n).reduce(1, *)
                let x = Tensor(unchecked: shape(n), (0..<size).map { Float(($0 * 7 + 3) % 90) })
                let feeds = try graph.feeds(for: Variable(x))
                var count = 0
                let remembered = try withNoGrad { try graph.run(feeds, nodeFinished: { _ in count += 1 }) }
                let fresh = try ONNXModel.load("\(folder)/\(name)/model.onnx").graph
                fresh.eval()
                let everyNode = try withNoGrad { try fresh.run(feeds) }
                let a = try graph.firstOutput(of: remembered).value, b = try graph.firstOutput(of: everyNode).value
                XCTAssertEqual(a.shape, b.shape, name)
                XCTAssertEqual(a.scalars.map(\.bitPattern), b.scalars.map(\.bitPattern), "\(name), input \(shape(n))")
                nodesRun.append(count)
            }
            print("\(name): \(graph.nodes.count) nodes")
            XCTAssertEqual(Set(nodesRun).count, 1, "every node reports, run or remembered (\(name))")
        }
    }
}
