import Foundation
import PruneAutodiff
import PruneNN
@testable import PrunePruning
import PruneTensor
import XCTest

/// Gumbel-softmax and straight-through masks against the binary-concrete formulas, with the noise
/// drawn again here from the same seed and the arithmetic done in Double.
final class GumbelMaskTests: XCTestCase {
    let logits: [Float] = [-1.5, 0.3, 2, -0.2, 0.8, 4]
    let weights: [Float] = [0.5, -1, 2, 0.25, -0.75, 1.5]

    func gate(straightThrough: Bool, steps: Int = 10) -> GumbelGate {
        gate(straightThrough: straightThrough, steps: steps, budget: nil, freezeStep: steps)
    }

    func gate(straightThrough: Bool, steps: Int, budget: Double?, freezeStep: Int) -> GumbelGate {
        GumbelGate(logits: Tensor(unchecked: [2, 3], logits),
                   settings: .init(schedule: TemperatureAnnealing(initial: 1, final: 0.1, steps: steps),
                                   straightThrough: straightThrough, budget: budget, freezeStep: freezeStep),
                   seed: 42)
    }

    /// The soft samples m = sigmoid((ℓ + g)/τ) of the first forward pass, g the same logistic noise.
    func expectedSamples(tau: Double) -> [Double] {
        var rng = RandomGenerator(seed: 42)
        let noise = Tensor.logistic([6], using: &rng).scalars
        return zip(logits, noise).map { l, g in 1 / (1 + exp(-(Double(l) + Double(g)) / tau)) }
    }

    func testSoftSamplesAndTheirGradient() throws {
        let g = gate(straightThrough: false)
        let y = try g.apply(Variable(Tensor(unchecked: [2, 3], weights)))
        try y.sum().backward()
        let m = expectedSamples(tau: 1)
        for i in 0..<6 {
            XCTAssertEqual(Double(y.value.scalars[i]), Double(weights[i]) * m[i], accuracy: 1e-5)
            // d(w·m)/dℓ = w·m(1 − m)/τ.
            XCTAssertEqual(Double(g.logits.grad!.scalars[i]), Double(weights[i]) * m[i] * (1 - m[i]), accuracy: 1e-5)
        }
        XCTAssertEqual(g.step, 1)
    }

    func testStraightThroughIsHardForwardAndSoftBackward() throws {
        let g = gate(straightThrough: true)
        let y = try g.apply(Variable(Tensor(unchecked: [2, 3], weights)))
        try y.sum().backward()
        let m = expectedSamples(tau: 1)
        for i in 0..<6 {
            XCTAssertEqual(y.value.scalars[i], m[i] > 0.5 ? weights[i] : 0)
            XCTAssertEqual(Double(g.logits.grad!.scalars[i]), Double(weights[i]) * m[i] * (1 - m[i]), accuracy: 1e-5)
        }
    }

    /// The noise is logistic: its CDF is sigmoid, checked at a few points, and its mean is 0.
    func testLogisticNoiseHasTheLogisticDistribution() {
        var rng = RandomGenerator(seed: 7)
        let g = Tensor.logistic([20_001], using: &rng).scalars
        XCTAssertTrue(g.allSatisfy(\.isFinite))
        XCTAssertEqual(Double(g.reduce(0, +)) / Double(g.count), 0, accuracy: 0.05)
        for x in [-2.0, -0.5, 0, 1, 3] {
            let below = Double(g.filter { Double($0) <= x }.count) / Double(g.count)
            XCTAssertEqual(below, 1 / (1 + exp(-x)), accuracy: 0.01, "P(g ≤ \(x))")
        }
    }

    func testTheTemperatureAnnealsExponentially() {
        let s = TemperatureAnnealing(initial: 2, final: 0.02, steps: 100)
        XCTAssertEqual(s.temperature(atStep: 0), 2, accuracy: 1e-6)
        XCTAssertEqual(s.temperature(atStep: 50), 0.2, accuracy: 1e-5, "the geometric mean halfway")
        XCTAssertEqual(s.temperature(atStep: 100), 0.02, accuracy: 1e-7)
        XCTAssertEqual(s.temperature(atStep: 500), 0.02, accuracy: 1e-7, "held after the last step")
    }

    /// P(keep) = sigmoid(ℓ) at every temperature: the frequency of kept weights over many hard samples.
    func testKeepFrequencyIsTheSigmoidOfTheLogit() throws {
        let g = gate(straightThrough: true, steps: 10_000)
        var kept = [Double](repeating: 0, count: 6)
        let w = Variable(Tensor(unchecked: [2, 3], [Float](repeating: 1, count: 6)))
        let draws = 4000
        for _ in 0..<draws {
            for (i, v) in try g.apply(w).value.scalars.enumerated() { kept[i] += Double(v) }
        }
        for (k, l) in zip(kept, logits) {
            XCTAssertEqual(k / Double(draws), 1 / (1 + exp(-Double(l))), accuracy: 0.03)
        }
    }

    func testPenaltyTestWeightsAndTheFinalMask() throws {
        let l = Linear(weight: Tensor(unchecked: [2, 3], weights), bias: nil)
        let t = PruningTarget(layer: l, at: "fc")
        let training = try LearnedMaskTraining(GumbelSoftmaxMethod(straightThrough: false), targets: [t], strength: 2,
                                               examples: 1, totalSteps: 10, seed: 0)
        XCTAssertNil((training.masks[0] as! GumbelGate).settings.budget)
        let g = training.masks[0] as! GumbelGate
        XCTAssertEqual(Double(g.logits.value.scalars[0]), log(9), accuracy: 1e-5, "keep probability 0.9 at the start")
        g.logits.value = Tensor(unchecked: [2, 3], logits)
        let penalty = logits.reduce(0.0) { $0 + 1 / (1 + exp(-Double($1))) } * 2
        XCTAssertEqual(Double(try training.penalty()!.value.item), penalty, accuracy: 1e-5)
        let test = try withNoGrad { try l.weight.variable() }.value.scalars
        XCTAssertEqual(test, zip(weights, logits).map { $1 > 0 ? $0 : 0 })
        XCTAssertEqual(try training.finish(sparsity: nil), 2.0 / 6, accuracy: 1e-9, "ℓ ≤ 0 is pruned")
        XCTAssertEqual(l.weight.effectiveValue.scalars, [0, -1, 2, 0, -0.75, 1.5])
        XCTAssertEqual(try LearnedMasks.named("gumbel-st").name, "gumbel-st")
    }

    /// With a target sparsity the penalty is the excess of the expected kept count over the budget, and
    /// the final mask keeps the largest logits (the weights at their stored values).
    func testATargetMakesABudgetAndTheFinalMaskKeepsTheLargestLogits() throws {
        let l = Linear(weight: Tensor(unchecked: [2, 3], weights), bias: nil)
        let t = PruningTarget(layer: l, at: "fc")
        let training = try LearnedMaskTraining(GumbelSoftmaxMethod(straightThrough: true), targets: [t], strength: 1,
                                               examples: 1, totalSteps: 10, targetSparsity: 0.5, seed: 0)
        let g = training.masks[0] as! GumbelGate
        XCTAssertEqual(try XCTUnwrap(g.settings.budget), 3, accuracy: 1e-6, "(1 − 0.5)·6 weights")
        XCTAssertEqual(g.settings.freezeStep, 8, "0.75 of 10 steps, rounded")
        g.logits.value = Tensor(unchecked: [2, 3], logits)
        let expected = logits.reduce(0.0) { $0 + 1 / (1 + exp(-Double($1))) }
        XCTAssertEqual(Double(try training.penalty()!.value.item), max(0, expected - 3), accuracy: 1e-5)
        g.logits.value = Tensor(unchecked: [2, 3], [Float](repeating: -3, count: 6))
        XCTAssertEqual(try training.penalty()!.value.item, 0, "under the budget costs nothing")
        g.logits.value = Tensor(unchecked: [2, 3], logits)
        XCTAssertEqual(try training.finish(sparsity: 0.5), 0.5, accuracy: 1e-9)
        // The three largest logits are 4, 2, 0.8 (weights 1.5, 2, −0.75), kept at their values.
        XCTAssertEqual(l.weight.effectiveValue.scalars, [0, 0, 2, 0, -0.75, 1.5])
    }

    /// From the freeze step on the mask is its mode, the same every step, and the logits stop learning.
    func testTheMaskFreezesAtItsMode() throws {
        let w = Variable(Tensor(unchecked: [2, 3], weights))
        for (budget, kept) in [(nil, [false, true, true, false, true, true]),
                               (2.0, [false, false, true, false, false, true])] as [(Double?, [Bool])] {
            let g = gate(straightThrough: true, steps: 10, budget: budget, freezeStep: 2)
            for _ in 0..<2 { _ = try g.apply(w) }
            XCTAssertNil(g.frozen)
            for _ in 0..<3 {
                g.logits.zeroGrad()
                let y = try g.apply(w)
                try y.sum().backward()
                XCTAssertEqual(y.value.scalars, zip(weights, kept).map { $1 ? $0 : 0 })
                XCTAssertTrue(g.logits.grad.map { $0.scalars.allSatisfy { $0 == 0 } } ?? true)
            }
            let test = g.testWeight(Tensor(unchecked: [2, 3], weights)).scalars
            XCTAssertEqual(test, zip(weights, kept).map { $1 ? $0 : 0 }, "the test weight is the frozen mask's")
        }
    }
}
