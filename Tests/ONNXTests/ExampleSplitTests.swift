import Foundation
import PruneAutodiff
import PruneModelIO
@testable import PruneNN
import PruneTensor
import TestSupport
import XCTest

/// Inference runs of a batch split into one run per core over its share of the examples
/// (``GraphModel/splitsExamples``): the same bits as the whole batch, and no split where an operator mixes
/// examples, a layer is in training mode, or a part meets a shape fixed to the whole batch.
final class ExampleSplitTests: XCTestCase {
    /// The graph's first output on `x` run whole, and split (its second run: the first decides), and what
    /// the graph decided for these shapes (nil: never ran split-capable; .some(nil): refused).
    func outputs(_ graph: GraphModel, _ x: Tensor) throws -> (whole: Tensor, split: Tensor, decided: ExampleSplit??) {
        let feeds = try graph.feeds(for: Variable(x))
        graph.splitsExamples = false
        let whole = try withNoGrad { try graph.firstOutput(of: try graph.run(feeds)) }
        graph.splitsExamples = true
        _ = try withNoGrad { try graph.run(feeds) }
        let split = try withNoGrad { try graph.firstOutput(of: try graph.run(feeds)) }
        return (whole.value, split.value, graph.exampleSplitEntry(feeds).verdict)
    }

    /// A fixture in inference mode and a seeded batch of `batch` inputs for it.
    func fixture(_ name: String, batch: Int, seed: UInt64) throws -> (ONNXModel, Tensor) {
        let model = try ONNXModel.load(try ONNXFixtures.path(name))
        model.graph.eval()
        var rng = RandomGenerator(seed: seed)
        return (model, Tensor.normal(try XCTUnwrap(model.inputShape(batch: batch)), using: &rng))
    }

    func assertSameBits(_ a: Tensor, _ b: Tensor, _ what: String) {
        XCTAssertEqual(a.shape, b.shape, what)
        XCTAssertEqual(a.scalars.map(\.bitPattern), b.scalars.map(\.bitPattern), what)
    }

    func testFixturesSplitWithTheSameBits() throws {
        try XCTSkipIf(ProcessInfoCores.count < 2 || ProcessInfoCores.serialOverride, "needs two cores")
        for name in ["mlp", "cnn", "resnet", "mobilenet", "transformer"] {
            let (model, x) = try fixture(name, batch: 4 * ProcessInfoCores.count, seed: 11)
            let r = try outputs(model.graph, x)
            XCTAssertNotNil(r.decided ?? nil, "\(name) should split")
            assertSameBits(r.whole, r.split, name)
        }
    }

    func testSequenceFirstEncoderDoesNotSplit() throws {
        try XCTSkipIf(ProcessInfoCores.count < 2 || ProcessInfoCores.serialOverride, "needs two cores")
        // nn.TransformerEncoder without batch_first: attention transposes the first axis away.
        let (model, x) = try fixture("torch_encoder", batch: 8, seed: 12)
        let r = try outputs(model.graph, x)
        XCTAssertNotNil(r.decided, "the run decided")
        XCTAssertNil(r.decided ?? nil, "it must not split")
        assertSameBits(r.whole, r.split, "torch_encoder")
    }

    func testBatchNormInTrainingModeDoesNotSplit() throws {
        try XCTSkipIf(ProcessInfoCores.count < 2 || ProcessInfoCores.serialOverride, "needs two cores")
        let (model, x) = try fixture("cnn", batch: 8, seed: 13)
        XCTAssertNotNil(try outputs(model.graph, x).decided ?? nil, "cnn splits at inference")
        // One BatchNorm set training (batch statistics over all 8 images) with the graph itself at inference.
        let bn = try XCTUnwrap(model.graph.namedModules().compactMap { $0.module as? BatchNorm }.first)
        bn.isTraining = true
        let r = try outputs(model.graph, x)
        assertSameBits(r.whole, r.split, "cnn with a training BatchNorm")
        let halves = try withNoGrad {
            try (0..<2).map { h in
                try model.graph.forward(try Variable(x).slice(axis: 0, start: 4 * h, end: 4 * h + 4)).value
            }
        }
        XCTAssertNotEqual(halves.flatMap(\.scalars), r.split.scalars, "batch statistics of halves differ")
    }

    /// x [n, 4] → Reshape to a constant [n, -1] → Softmax along axis 1 → Reshape to [-1, 4]: the trace at n
    /// passes, but a part of n/2 examples reshapes to [n, 2], mixing nothing yet softmaxing over 2 values.
    func testPartMeetingAShapeFixedToTheWholeBatchRunsWhole() throws {
        try XCTSkipIf(ProcessInfoCores.count < 2 || ProcessInfoCores.serialOverride, "needs two cores")
        let n = 4 * ProcessInfoCores.count
        let nodes = [
            GraphNode(name: "r1", opType: "Reshape", inputs: ["x", "fixed"], outputs: ["a"],
                      op: ReshapeOperator(allowZero: false)),
            GraphNode(name: "s", opType: "Softmax", inputs: ["a"], outputs: ["b"], op: SoftmaxOperator(axis: 1)),
            GraphNode(name: "r2", opType: "Reshape", inputs: ["b", "back"], outputs: ["y"],
                      op: ReshapeOperator(allowZero: false)),
        ]
        let graph = GraphModel(nodes: nodes, inputs: [("x", [nil, 4], false)], outputNames: ["y"],
                               constants: ["fixed": .integer(IntegerTensor([n, -1])),
                                           "back": .integer(IntegerTensor([-1, 4]))],
                               layers: ModuleDictionary())
        graph.eval()
        var rng = RandomGenerator(seed: 14)
        let x = Tensor.normal([n, 4], using: &rng)
        let r = try outputs(graph, x)
        assertSameBits(r.whole, r.split, "fixed reshape")
        XCTAssertNil(r.decided ?? nil, "a refused part marks the shapes as not splitting")
        let sums = (0..<n).map { i in r.split.scalars[(4 * i)..<(4 * i + 4)].reduce(0, +) }
        XCTAssertTrue(sums.allSatisfy { abs($0 - 1) < 1e-5 }, "softmax over each row of 4: \(sums)")
    }

    /// Token ids [8, length] (the lengths changing between runs: they share the verdict for 8 examples) or
    /// 8 images; whole and split give the same bits. The Hugging Face text models build their attention mask by
    /// flattening it to [examples × length, 1] and gathering rows at indices computed from shapes (checked to
    /// stay within each example), GPT-2 runs its layers on [examples × length, width], Swin and EfficientNet pad
    /// the spatial axes: they split. RoBERTa gathers its token types from a table expanded to [examples, 512]
    /// from shapes (a fixed operand with a row per example, which the rules refuse): it runs whole.
    func testTransformerExportsOverChangingLengths() throws {
        try XCTSkipIf(ProcessInfoCores.count < 2 || ProcessInfoCores.serialOverride, "needs two cores")
        let folder = OnnxRuntimePeer.repository.appendingPathComponent("Tests/ONNXTests/Fixtures/transformers").path
        let tokens: (Int) -> [Int] = { [8, $0] }, images: (Int) -> [Int] = { _ in [8, 3, 32, 32] }
        let exports: [(name: String, shape: (Int) -> [Int], splits: Bool)] = [
            ("gpt2_torchscript_opset14", tokens, true), ("distilbert_torchscript_opset14", tokens, true),
            ("bert_torchscript_opset14", tokens, true), ("roberta_torchscript_opset14", tokens, false),
            ("llama_gqa_torchscript_opset17", tokens, true), ("vit_torchscript_opset14", images, true),
            ("swin_torchscript_opset17", images, true), ("efficientnet_torchscript_opset17", images, true),
        ]
        for (name, shape, splits) in exports {
            let graph = try ONNXModel.load("\(folder)/\(name)/model.onnx").graph
            graph.eval()
            for length in [5, 7, 5] {
                let size = shape(length).reduce(1, *)
                let x = Tensor(unchecked: shape(length), (0..<size).map { Float(($0 * 7 + 3) % 90) })
                let r = try outputs(graph, x)
                assertSameBits(r.whole, r.split, "\(name), input \(shape(length))")
                XCTAssertEqual(r.decided.map { $0 != nil }, splits, "\(name) splits")
                if let traced = (r.decided ?? nil)?.inputShapes {   // examples merged with the length
                    XCTAssertEqual(traced.first, shape(length), "\(name): its split is filed per length")
                }
            }
        }
    }
}
