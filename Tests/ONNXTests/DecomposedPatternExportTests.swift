import Foundation
import PruneAutodiff
import PruneModelIO
@testable import PruneNN
import PruneTensor
import TestSupport
import XCTest

/// TorchScript exports at opset 14 write every LayerNorm as nine nodes, every GELU as five and GPT-2's tanh
/// GELU as eight; inference runs each as one kernel (``DecomposedLayerNorm``, ``DecomposedGelu``,
/// ``DecomposedGeluTanh``): every one of them is found, and the outputs stay within float rounding of running
/// every node.
final class DecomposedPatternExportTests: XCTestCase {
    func testOpset14ExportsRunTheirLayerNormsAndGelusAsOneKernel() throws {
        let folder = OnnxRuntimePeer.repository.appendingPathComponent("Tests/ONNXTests/Fixtures/transformers").path
        // The embeddings' LayerNorm and two per encoder layer (BERT, DistilBERT, RoBERTa); two per layer and the
        // final one (ViT); two per layer (nn.TransformerEncoder, post-norm).
        // GELU: one per layer's MLP, two layers (nn.TransformerEncoder uses ReLU); GPT-2: two LayerNorms per
        // layer and the final one, its MLPs' tanh GELU.
        let expected = ["bert_torchscript_opset14": (5, 2, 0), "distilbert_torchscript_opset14": (5, 2, 0),
                        "roberta_torchscript_opset14": (5, 2, 0), "vit_torchscript_opset14": (5, 2, 0),
                        "torch_encoder_torchscript_opset14": (4, 0, 0), "gpt2_torchscript_opset14": (5, 0, 2)]
        for (name, (norms, gelus, tanhGelus)) in expected.sorted(by: { $0.key < $1.key }) {
            let graph = try ONNXModel.load("\(folder)/\(name)/model.onnx").graph
            let plan = GraphRunPlan(nodes: graph.nodes, inputNames: graph.inputs.map(\.name),
                                    outputNames: graph.outputNames, constants: graph.constants)
            XCTAssertEqual(plan.patterns.filter { $0 is DecomposedLayerNorm }.count, norms, name)
            XCTAssertEqual(plan.patterns.filter { $0 is DecomposedGelu }.count, gelus, name)
            XCTAssertEqual(plan.patterns.filter { $0 is DecomposedGeluTanh }.count, tanhGelus, name)
            graph.eval()
            let shape = name.hasPrefix("vit") ? [2, 3, 32, 32] : name.hasPrefix("torch") ? [2, 7, 32] : [2, 6]
            let size = shape.reduce(1, *)
            let scale: Float = name.hasPrefix("vit") ? 90 : 1
            let x = Tensor(unchecked: shape, (0..<size).map { Float(($0 * 7 + 3) % 90) / scale })
            let feeds = try graph.feeds(for: Variable(x))
            let fused = try withNoGrad { try graph.firstOutput(of: try graph.run(feeds)) }.value
            let plain = try withNoGrad {
                try graph.firstOutput(of: try graph.run(feeds, observe: { _, _, _ in }))
            }.value
            XCTAssertEqual(fused.shape, plain.shape, name)
            let worst = zip(fused.scalars, plain.scalars).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-4, name)
            XCTAssertNotEqual(fused.scalars.map(\.bitPattern), plain.scalars.map(\.bitPattern),
                              "\(name): the fused kernel rounds differently, so it did run")
        }
    }
}
