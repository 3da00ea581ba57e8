import Foundation
import PruneAutodiff
import PruneModelIO
import PruneNN
import PruneTensor
import TestSupport
import XCTest

/// Inference runs fuse activations, batch normalizations, per-channel Mul/Add and residual additions into
/// the convolution before them (``GraphModel/fusesEpilogues``): the same values, bit for bit, as running
/// every node on its own, on the PyTorch fixtures and on the ONNX model zoo CNNs of the onnx wheel.
final class EpilogueFusionTests: XCTestCase {
    /// The model's output fused and node by node, and how many nodes ran on their own when fused.
    func outputs(_ graph: GraphModel, _ x: Tensor) throws -> (fused: Tensor, plain: Tensor, nodesRun: Int) {
        graph.eval()
        let feeds = try graph.feeds(for: Variable(x))
        var nodesRun = 0
        graph.fusesEpilogues = true
        let fused = try withNoGrad { try graph.firstOutput(of: try graph.run(feeds, nodeFinished: { _ in
            nodesRun += 1
        })) }
        graph.fusesEpilogues = false
        let plain = try withNoGrad { try graph.firstOutput(of: try graph.run(feeds)) }
        graph.fusesEpilogues = true
        return (fused.value, plain.value, nodesRun)
    }

    func assertSameBits(_ a: Tensor, _ b: Tensor, _ what: String) {
        XCTAssertEqual(a.shape, b.shape, what)
        XCTAssertEqual(a.scalars.map(\.bitPattern), b.scalars.map(\.bitPattern), what)
    }

    func testFixturesGiveTheSameBitsFused() throws {
        // Conv → BatchNorm → Relu (cnn), Conv → BatchNorm → Add → Relu (resnet), depthwise and pointwise
        // Conv → Relu (mobilenet); batches of 3 (one image per core and more) and 1 (products cut over cores).
        for (name, fusedAtLeast) in [("cnn", 4), ("resnet", 8), ("mobilenet", 7)] {
            let model = try ONNXModel.load(try ONNXFixtures.path(name))
            for batch in [3, 1] {
                var rng = RandomGenerator(seed: 5)
                let x = Tensor.normal(try XCTUnwrap(model.inputShape(batch: batch)), using: &rng)
                let r = try outputs(model.graph, x)
                assertSameBits(r.fused, r.plain, "\(name) batch \(batch)")
                XCTAssertLessThanOrEqual(r.nodesRun, model.graph.nodes.count - fusedAtLeast, name)
            }
        }
    }

    func testLightModelZooCNNsGiveTheSameBitsFused() throws {
        let light = try ONNXConformanceTests.suite(try ONNXConformanceTests.wheelData() + "/light")
        // ResNet-50 (Conv → BatchNorm → Sum → Relu), Inception v2 and DenseNet-121 (Conv → BatchNorm → Mul
        // → Add → Relu with per-channel constants; DenseNet's BatchNorm → Mul → Add → Relu after
        // concatenations fused into the BatchNorm), ShuffleNet (grouped convolutions), SqueezeNet (Conv → Relu).
        let models = [("light_resnet50.onnx", 110), ("light_inception_v2.onnx", 270), ("light_densenet121.onnx", 400),
                      ("light_shufflenet.onnx", 90), ("light_squeezenet.onnx", 26)]
        for (file, fusedAtLeast) in models {
            let model = try ONNXModel.load(light + "/" + file)
            // Seeded He-scaled weights and batch statistics near 0 and 1 (the stored ones are constants).
            LightModelPruningTests.randomize(model.graph, seed: 3)
            var rng = RandomGenerator(seed: 3)
            for case let (_, bn as BatchNorm) in model.graph.namedModules() {
                bn.runningMean.value = Tensor.uniform([bn.channels], low: -0.1, high: 0.1, using: &rng)
                bn.runningVar.value = Tensor.uniform([bn.channels], low: 0.5, high: 1.5, using: &rng)
            }
            let x = Tensor.normal(try XCTUnwrap(model.inputShape(batch: 1)), using: &rng)
            let r = try outputs(model.graph, x)
            print("\(file): \(model.graph.nodes.count) nodes, \(r.nodesRun) run on their own when fused")
            assertSameBits(r.fused, r.plain, file)
            XCTAssertLessThanOrEqual(r.nodesRun, model.graph.nodes.count - fusedAtLeast, file)
            XCTAssertTrue(r.plain.scalars.allSatisfy(\.isFinite), file)
        }
    }

    /// Tracing (`observe`) and gradients run every node on its own.
    func testObservedAndGradientRunsDoNotFuse() throws {
        let model = try ONNXModel.load(try ONNXFixtures.path("cnn"))
        model.graph.eval()
        var rng = RandomGenerator(seed: 2)
        let feeds = try model.graph.feeds(for: Variable(Tensor.normal(try XCTUnwrap(model.inputShape(batch: 2)),
                                                                      using: &rng)))
        var observed = 0
        _ = try withNoGrad { try model.graph.run(feeds) { _, _, _ in observed += 1 } }
        XCTAssertEqual(observed, model.graph.nodes.count)
        var finished = 0
        _ = try model.graph.run(feeds, nodeFinished: { _ in finished += 1 })
        XCTAssertEqual(finished, model.graph.nodes.count)
    }
}
