import Foundation
import PruneModelIO
import PruneNN
@testable import PrunePruning
import PruneTensor
import XCTest

/// Activation criteria on an imported graph read the activation the graph applies: conv1 → bn1 →
/// Relu gives the Relu's output (never negative, many exact zeros); fc2 has nothing after it, so its
/// raw logits (signed) are read.
final class ONNXActivationTests: XCTestCase {
    func testTheActivationAfterBatchNormAndReluIsRead() throws {
        let model = try ONNXModel.load(try ONNXFixtures.path("cnn"))
        let (x, _) = try ONNXFixtures.io("cnn")
        let data = try LabeledImages(images: x, labels: [Int](repeating: 0, count: x.shape[0]), classes: 10)
        let targets = PruningTarget.all(in: model.graph)
        let stats = try Calibration.collect(model: model.graph, targets: targets, needs: [OutputActivations()],
                                            loader: try DataLoader(data, batchSize: x.shape[0]), batches: 1)
        let conv1 = try XCTUnwrap(targets.first { $0.layerPath.hasSuffix("conv1") }?.layerPath)
        let fc2 = try XCTUnwrap(targets.first { $0.layerPath.hasSuffix("fc2") }?.layerPath)
        let sum = try XCTUnwrap(stats.outputSums[conv1]), absolute = try XCTUnwrap(stats.outputAbsoluteSums[conv1])
        for (s, a) in zip(sum, absolute) { XCTAssertEqual(s, a, accuracy: 1e-9 * max(1, a), "after the Relu: no negatives") }
        XCTAssertGreaterThan(try XCTUnwrap(stats.outputZeros[conv1]).reduce(0, +), 0, "the Relu zeroes some activations")
        let logits = try XCTUnwrap(stats.outputSums[fc2]), logitsAbsolute = try XCTUnwrap(stats.outputAbsoluteSums[fc2])
        XCTAssertTrue(zip(logits, logitsAbsolute).contains { $0.0 < $0.1 - 1e-6 }, "raw logits are signed")
        XCTAssertEqual(try XCTUnwrap(stats.outputZeros[fc2]).reduce(0, +), 0)
    }
}
