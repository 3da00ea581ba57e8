import Foundation
import Prune
import TestSupport
import XCTest

extension ExtensionPointTests {
    /// The new latency engine measures a latency table (every Conv2d and Linear of LeNet-5 at its width grid,
    /// the whole model and an empty call), and the table bounds a ratio search as the built-in engines' do.
    func testTheNewLatencyEngineMeasuresATableThatBoundsASearch() throws {
        let model = try ModelZoo.make("lenet5", seed: 2)
        let graph = try DependencyGraph(tracing: model, example: Tensor.zeros([1, 1, 28, 28]))
        let table = try LatencyTable.measure(model, graph: graph, exampleShape: [1, 28, 28],
                                             measurer: FastestRunLatency(runs: 3), batch: 4)
        XCTAssertEqual(table.engine, "prune-fastest")
        XCTAssertEqual(table.entries.map(\.path), graph.layers.filter { !$0.normalization }.map(\.path))
        XCTAssertTrue(table.entries.allSatisfy { $0.seconds.joined().allSatisfy { $0.isFinite && $0 >= 0 } })
        XCTAssertGreaterThan(table.denseSeconds, 0)
        // A 64-filter 3×3 convolution over 28×28 takes longer than a ReLU of one value (by orders of magnitude).
        var rng = RandomGenerator(seed: 1)
        let big = LayerProbe(module: Conv2d(16, 64, kernel: 3, padding: 1, rng: &rng), inputShape: [4, 16, 28, 28])
        let times = try FastestRunLatency(runs: 3).seconds([big, LayerProbe(module: ReLU(), inputShape: [1, 1])])
        XCTAssertGreaterThan(times[0], times[1])
        // Measured times carry a fixed part whose size the machine's load decides (under load it can exceed
        // 30% of the total): the search is bounded by the first budget this measured table can reach.
        let space = try XCTUnwrap([0.7, 0.8, 0.9, 0.95].lazy.compactMap {
            try? RatioSearchSpace(graph: graph, minimumKept: 0.1, keep: $0, cost: table)
        }.first, "no budget up to 95% reachable: the table's fixed part is \(table.otherSeconds) s")
        let outcome = try RandomRatioSearch(candidates: 8).run(space, seed: 3, score: { -$0.reduce(0, +) },
                                                               progress: { _, _ in })
        XCTAssertTrue(outcome.candidates.allSatisfy { $0.costFraction <= space.keep + 1e-12 })
    }

    /// The built-in onnxruntime engine the article compares with times an imported graph through the graph's
    /// own ONNX writer, a transformers export with three int64 inputs included (the others than the first
    /// get a mask of ones and zero token types), and a pruned copy of it as well as the dense one.
    func testTheOnnxruntimeEngineTimesImportedGraphsOfSeveralInputs() throws {
        try OnnxRuntimePeer.requireAvailable()
        let root = OnnxRuntimePeer.repository.appendingPathComponent("Tests/ONNXTests/Fixtures").path
        let bert = try ONNXModel.load(root + "/transformers/bert_torchscript_opset14/model.onnx").graph
        let cnn = try ONNXModel.load(root + "/cnn.onnx").graph
        _ = try StructuredPruner(target: .channelRatio(0.5)).prune(cnn, example: Tensor.zeros([1, 1, 28, 28]))
        let times = try OnnxRuntimeLatency(threads: 1).seconds([LayerProbe(module: bert, inputShape: [2, 8]),
                                                                  LayerProbe(module: cnn, inputShape: [4, 1, 28, 28])])
        XCTAssertEqual(times.count, 2)
        XCTAssertTrue(times.allSatisfy { $0 > 0 && $0 < 1 }, "\(times)")
    }

    /// A model holding the new layer, masked, written as ONNX: onnxruntime and Prune's own importer give the
    /// outputs of the Swift model.
    func testTheNewLayerIsWrittenAsONNXAndRunsInOnnxruntime() throws {
        try OnnxRuntimePeer.requireAvailable()
        var rng = RandomGenerator(seed: 6)
        let layer = GainLinear(weight: Tensor.normal([16, 784], using: &rng),
                               gain: Tensor.uniform([16], low: 0.5, high: 2, using: &rng),
                               bias: Tensor.uniform([16], low: -0.1, high: 0.1, using: &rng))
        layer.weight.mask = Tensor.uniform([16, 784], using: &rng).map { $0 < 0.6 ? 0 : 1 }
        let model = Sequential([Flatten(), layer, ReLU(), Linear(16, 3, rng: &rng)])
        model.eval()
        let x = Tensor.uniform([3, 1, 28, 28], using: &rng)
        let ours = try withNoGrad { try model(Variable(x)) }.value
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gain-\(UUID().uuidString).onnx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try NativeONNXExport.write(model, inputShape: [1, 1, 28, 28], to: path)
        let theirs = try OnnxRuntimePeer.run(path, inputs: ["input": x])
        let again = try withNoGrad { try ONNXModel.load(path).graph.forward(Variable(x)) }.value
        for other in [theirs, again] {
            XCTAssertEqual(other.shape, ours.shape)
            XCTAssertLessThan(zip(ours.scalars, other.scalars).map { abs($0 - $1) }.max() ?? 1, 1e-4)
        }
    }
}
