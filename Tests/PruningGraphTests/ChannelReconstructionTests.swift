import PruneAutodiff
import PruneNN
import PrunePruning
import PrunePruningGraph
import PruneTensor
import XCTest

/// Structured pruning with a refit of the layers that lost input channels: exact recovery when the
/// removed channel is a linear combination of kept ones (closed form), and on a LeNet-5 the refit runs
/// in forward order, never raises a layer's output error, and ThiNet/LASSO drive the choice.
final class ChannelReconstructionTests: XCTestCase {
    /// conv1 (3 → 4, 1×1, no bias) → conv2 (4 → 3, 3×3): conv1's channel 3 is channel 0 + channel 1, and
    /// the weakest filter, so L2 removes it; a linear network then loses nothing a refit cannot restore.
    func dependentModel() throws -> Sequential {
        var rng = RandomGenerator(seed: 2)
        let conv1 = Conv2d(weight: try Tensor(shape: [4, 3, 1, 1],
                                                 scalars: [0.3, 0, 0, -0.2, 0.1, 0, 1, 1, 1, 0.1, 0.1, 0]),
                           bias: nil, geometry: Conv2dGeometry(kernel: (1, 1)))
        return Sequential(named: [("conv1", conv1), ("conv2", Conv2d(4, 3, kernel: 3, padding: 1, rng: &rng))])
    }

    func calibration(_ shape: [Int], count: Int = 32) throws -> StructuredCalibration {
        var rng = RandomGenerator(seed: 11)
        let images = Tensor.uniform([count] + shape, low: -1, high: 1, using: &rng)
        let set = try LabeledImages(images: images, labels: (0..<count).map { $0 % 10 }, classes: 10)
        return StructuredCalibration(loader: try DataLoader(set, batchSize: 16), batches: 2)
    }

    func testALinearlyDependentChannelIsRecoveredExactly() throws {
        let data = try calibration([3, 6, 6])
        var rng = RandomGenerator(seed: 4)
        let x = Tensor.uniform([3, 3, 6, 6], low: -1, high: 1, using: &rng)
        for (reconstruction, recovers) in [(nil, false), (LeastSquaresWeights(dampening: 1e-7), true)]
            as [((any ChannelReconstruction)?, Bool)] {
            let model = try dependentModel()
            let dense = try model.forward(Variable(x)).value.scalars
            var pruner = StructuredPruner(criterion: MagnitudeImportance(norm: .l2), target: .channelRatio(0.25))
            pruner.reconstruction = reconstruction
            let result = try pruner.prune(model, example: Tensor.zeros([1, 3, 6, 6]), calibration: data)
            XCTAssertEqual(result.groups.first?.channelsAfter, 3)
            let pruned = try model.forward(Variable(x)).value.scalars
            let error = zip(dense, pruned).map { abs($0 - $1) }.max() ?? 0
            if recovers {
                XCTAssertLessThan(error, 1e-3, "the removed channel is conv1's 0 + 1: a refit restores conv2 exactly")
                let refit = try XCTUnwrap(result.refits?.first)
                XCTAssertEqual(refit.layer, "conv2")
                XCTAssertLessThan(try XCTUnwrap(refit.errorAfter), 1e-5)
                XCTAssertGreaterThan(try XCTUnwrap(refit.errorBefore), 1e-3)
            } else {
                XCTAssertGreaterThan(error, 1e-2, "without a refit the removed channel's share is lost")
                XCTAssertNil(result.refits)
            }
        }
    }

    func testLeNet5RefitsInForwardOrderAndNeverRaisesTheError() throws {
        let data = try calibration([1, 28, 28])
        for (criterion, reconstruction) in [("thinet", "scales"), ("lasso", "weights"), ("l2", "weights")] {
            let model = try ModelZoo.make("lenet5", seed: 3)
            var pruner = StructuredPruner(criterion: try ImportanceRegistry.make(criterion), target: .flops(0.5))
            pruner.reconstruction = try ChannelReconstructions.named(reconstruction)
            let result = try pruner.prune(model, example: Tensor.zeros([1, 1, 28, 28]), calibration: data)
            XCTAssertLessThanOrEqual(result.macsAfter, result.macsBefore / 2 + result.macsBefore / 50)
            let refits = try XCTUnwrap(result.refits)
            XCTAssertEqual(refits.map(\.layer), ["features.3", "classifier.1", "classifier.3"], criterion)
            for r in refits {
                XCTAssertEqual(r.samples, r.layer == "features.3" ? 512 : 32, "\(criterion) \(r.layer)")
                XCTAssertLessThanOrEqual(try XCTUnwrap(r.errorAfter), try XCTUnwrap(r.errorBefore))
            }
            XCTAssertNil(refits[0].skipped, "the first consumer loses input channels and is refit")
        }
    }

    func testReconstructionWithoutCalibrationDataIsAnError() throws {
        var pruner = StructuredPruner(target: .channelRatio(0.25))
        pruner.reconstruction = LeastSquaresWeights()
        XCTAssertThrowsError(try pruner.prune(try dependentModel(), example: Tensor.zeros([1, 3, 6, 6]))) { error in
            XCTAssertTrue("\(error)".contains("calibration data"), "\(error)")
        }
    }
}
