import Foundation
import PruneAutodiff
import PruneNN
@testable import PrunePruning
import PruneTensor
import XCTest

/// DCP's stage-wise training with auxiliary losses: the combined loss and its gradient with respect to an early
/// layer equal the sum of the cross-entropies computed here by hand and central finite differences; training
/// lowers it; the model's modules and parameters are back in place afterwards.
final class AuxiliaryLossTrainingTests: XCTestCase {
    func model() -> Sequential {
        var rng = RandomGenerator(seed: 3)
        return Sequential([Conv2d(1, 3, kernel: 3, padding: 1, rng: &rng), Tanh(),
                           Conv2d(3, 4, kernel: 3, padding: 1, rng: &rng), Tanh(), Flatten(),
                           Linear(4 * 6 * 6, 5, rng: &rng), Tanh(), Linear(5, 3, rng: &rng)])
    }

    /// Cross-entropy of rows of logits, in Double.
    func crossEntropy(_ logits: [Float], classes: Int, labels: [Int]) -> Double {
        labels.enumerated().reduce(0.0) { sum, item in
            let row = logits[(item.offset * classes)..<((item.offset + 1) * classes)].map(Double.init)
            let top = row.max()!
            let log = top + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - top) })
            return sum + (log - row[item.element])
        } / Double(labels.count)
    }

    func testTheCombinedLossAndItsGradientAreTheSumOfTheHeadsLosses() throws {
        let net = model()
        var rng = RandomGenerator(seed: 4)
        let x = Tensor.normal([4, 1, 6, 6], using: &rng), labels = [0, 2, 1, 2]
        let training = AuxiliaryLossTraining(points: ["2", "7"], options: FineTuningOptions(), classes: 3)
        let taps = try InputTap.insert(at: training.points, into: net)
        _ = try net.forward(Variable(x))
        let heads = try taps.map { try AuxiliaryLossTraining.head(for: $0.tap.captured, classes: 3, rng: &rng) }
        func loss() throws -> Variable {
            try training.combinedLoss(net, heads: heads, taps: taps.map(\.tap), batch: (x, labels))
        }
        // By hand: the model's logits, and each head on the input of its layer, computed without taps.
        let h1 = try net.layers[1].module.forward(try net.layers[0].module.forward(Variable(x)))
        let h2 = try Sequential(Array(net.layers[2...6].map(\.module))).forward(h1)
        let logits = try net.forward(Variable(x)).value.scalars
        let expected = crossEntropy(logits, classes: 3, labels: labels)
            + crossEntropy(try heads[0].forward(h1).value.scalars, classes: 3, labels: labels)
            + crossEntropy(try heads[1].forward(h2).value.scalars, classes: 3, labels: labels)
        XCTAssertEqual(Double(try loss().value.item), expected, accuracy: 1e-5)
        // The gradient reaching the first convolution, against central differences of the same loss.
        let w = try XCTUnwrap(net.layers[0].module as? Conv2d).weight
        for p in net.parameters() { p.parameter.zeroGrad() }
        try loss().backward()
        let grad = try XCTUnwrap(w.grad)
        for i in [0, 7, 13, 26] {
            let saved = w.value.scalars[i], eps: Float = 1e-2
            w.value.scalars[i] = saved + eps
            let up = Double(try withNoGrad { try loss() }.value.item)
            w.value.scalars[i] = saved - eps
            let down = Double(try withNoGrad { try loss() }.value.item)
            w.value.scalars[i] = saved
            XCTAssertEqual(Double(grad.scalars[i]), (up - down) / Double(2 * eps), accuracy: 2e-3, "weight \(i)")
        }
        InputTap.remove(taps, from: net)
        XCTAssertTrue(net.layers[2].module is Conv2d && net.layers[7].module is Linear)
    }

    func testTrainingLowersTheLossAndLeavesTheModelsStructure() throws {
        let net = model()
        let before = net.parameters().map(\.path)
        var rng = RandomGenerator(seed: 9)
        let images = Tensor.normal([96, 1, 6, 6], using: &rng)
        let data = try LabeledImages(images: images, labels: (0..<96).map { Int(images.scalars[$0 * 36 + 14] > 0 ? 1 : 0)
            + ($0 % 2) }, classes: 3)
        let options = FineTuningOptions(epochs: 4, learningRate: 1e-2, learningRateMultiplier: 1, batchSize: 16, seed: 2)
        let losses = try AuxiliaryLossTraining(points: ["2", "5"], options: options, classes: 3)
            .run(net, data: data, normalization: (0, 1))
        XCTAssertEqual(losses.count, 4)
        XCTAssertLessThan(losses[3], losses[0])
        XCTAssertEqual(net.parameters().map(\.path), before)
        XCTAssertThrowsError(try AuxiliaryLossTraining(points: ["9"], options: options, classes: 3)
            .run(net, data: data, normalization: (0, 1)))
    }
}
