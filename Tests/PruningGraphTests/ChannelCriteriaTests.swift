import PruneAutodiff
import PruneNN
import PrunePruning
import PrunePruningGraph
import PruneTensor
import XCTest

/// Structured pruning scores channels with the same criteria as masks: the scores of LeNet-5's
/// dependency groups equal the criteria's definitions computed here by hand.
final class ChannelCriteriaTests: XCTestCase {
    private func data(seed: UInt64 = 9) throws -> LabeledImages {
        var rng = RandomGenerator(seed: seed)
        let images = Tensor.uniform([32, 1, 28, 28], low: 0, high: 1, using: &rng)
        return try LabeledImages(images: images, labels: (0..<32).map { ($0 * 7) % 10 }, classes: 10)
    }

    func testTaylorChannelScoresAreSummedFilterScores() throws {
        let model = try ModelZoo.make("lenet5", seed: 4)
        let graph = try DependencyGraph(tracing: model, example: Tensor.zeros([1, 1, 28, 28]))
        let loader = try DataLoader(try data(), batchSize: 16)
        let targets = try graph.weightTargets()
        let stats = try Calibration.collect(model: model, targets: targets, needs: [LossGradients()], loader: loader, batches: 2)
        let conv1 = try XCTUnwrap(graph.groups.first { $0.producers.first?.path == "features.0" })
        let scores = try TaylorImportance().memberChannelScores(try conv1.view(), statistics: stats)
        // By hand: |mean gradient · w| summed over each filter's 25 weights.
        let w = try model.parameter(at: "features.0.weight").value.scalars
        let g = try XCTUnwrap(stats.gradientSums["features.0.weight"]).map { $0 / 2 }
        XCTAssertEqual(scores.count, 1)
        for c in 0..<16 {
            let expected = (0..<25).reduce(0.0) { $0 + Double(abs(g[c * 25 + $1] * w[c * 25 + $1])) }
            XCTAssertEqual(scores[0][c], expected, accuracy: 1e-6 * max(1, expected), "filter \(c)")
        }
    }

    func testAPoZChannelScoresCountNonZeroActivationsAfterTheReLU() throws {
        let model = try ModelZoo.make("lenet5", seed: 4)
        let set = try data()
        let graph = try DependencyGraph(tracing: model, example: Tensor.zeros([1, 1, 28, 28]))
        let stats = try Calibration.collect(model: model, targets: try graph.weightTargets(), needs: [OutputActivations()],
                                            loader: try DataLoader(set, batchSize: 32), batches: 1)
        let conv2 = try XCTUnwrap(graph.groups.first { $0.producers.first?.path == "features.3" })
        let apoz = try XCTUnwrap(ImportanceRegistry.make("apoz").memberChannelScores(try conv2.view(), statistics: stats).first)
        // By hand: conv1 → ReLU → pool → conv2 → ReLU, then the fraction of non-zero outputs per channel.
        let features = try XCTUnwrap(try model.module(at: "features") as? Sequential)
        var h = Variable(set.images)
        for (_, layer) in features.layers.prefix(5) { h = try layer.forward(h) }
        let a = h.value, hw = a.shape[2] * a.shape[3]
        for c in 0..<32 {
            var nonZero = 0
            for b in 0..<32 { for i in 0..<hw where a.scalars[(b * 32 + c) * hw + i] != 0 { nonZero += 1 } }
            XCTAssertEqual(apoz[c], Double(nonZero) / Double(32 * hw), accuracy: 1e-6, "channel \(c)")
        }
        // And they drive a physical removal: conv2 keeps the 16 filters with most non-zero outputs
        // (its biases show which ones).
        let biasBefore = try model.parameter(at: "features.3.bias").value.scalars
        let keep = (0..<32).sorted { apoz[$0] > apoz[$1] || (apoz[$0] == apoz[$1] && $0 < $1) }.prefix(16).sorted()
        let calibration = StructuredCalibration(loader: try DataLoader(set, batchSize: 32), batches: 1)
        _ = try StructuredPruner(criterion: ImportanceRegistry.make("apoz"), target: .channelRatio(0.5))
            .prune(model, example: Tensor.zeros([1, 1, 28, 28]), calibration: calibration)
        XCTAssertEqual(try model.parameter(at: "features.3.bias").value.scalars, keep.map { biasBefore[$0] })
    }
}
