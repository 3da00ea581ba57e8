import Foundation
import PruneAutodiff
import PruneNN
@testable import PrunePruning
import PruneTensor
import XCTest

/// STR, hard-concrete L0 gates and sparse variational dropout against their papers' formulas,
/// computed here in Double.
final class LearnedMaskTests: XCTestCase {
    func target(_ values: [Float]) -> (Linear, PruningTarget) {
        let l = Linear(weight: Tensor(unchecked: [2, values.count / 2], values), bias: nil)
        return (l, PruningTarget(layer: l, at: "fc"))
    }

    func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    func testSoftThresholdShrinksByTheSigmoidOfItsThresholdAndLearnsIt() throws {
        let (l, t) = target([0.5, -0.05, 0.2, -0.9, 0.01, 0.3])
        let training = try LearnedMaskTraining(SoftThresholdMethod(initialThreshold: -2), targets: [t], strength: 0.5,
                                               examples: 10, totalSteps: 1, seed: 0)
        let cut = sigmoid(-2)
        let w = try l.weight.variable()
        for (a, v) in zip(w.value.scalars, [0.5, -0.05, 0.2, -0.9, 0.01, 0.3]) {
            XCTAssertEqual(Double(a), (v > 0 ? 1 : -1) * max(0, abs(v) - cut), accuracy: 1e-6)
        }
        try (w.sum() + training.penalty()!).backward()
        let s = (training.masks[0] as! SoftThreshold).threshold
        // d/ds of Σ sign(v)·relu(|v| − g(s)) is −g'(s)·Σ_{|v| > g} sign(v); the penalty adds 2λs.
        let alive = [0.5, -0.05, 0.2, -0.9, 0.01, 0.3].filter { abs($0) > cut }.map { $0 > 0 ? 1.0 : -1.0 }
        XCTAssertEqual(Double(s.grad!.scalars[0]), -cut * (1 - cut) * alive.reduce(0, +) + 2 * 0.5 * -2, accuracy: 1e-5)
        XCTAssertEqual(try training.finish(sparsity: nil), 2.0 / 6, accuracy: 1e-9, "|v| ≤ g(s) is pruned")
        XCTAssertNil(l.weight.reparameterization)
        XCTAssertEqual(Double(l.weight.effectiveValue.scalars[0]), 0.5 - cut, accuracy: 1e-6)
    }

    func testHardConcreteGatesAndTheirExpectedL0() throws {
        let (l, t) = target([1, 2, 3, 4, 5, 6])
        let training = try LearnedMaskTraining(HardConcreteMethod(), targets: [t], strength: 1, examples: 10,
                                               totalSteps: 1, seed: 1)
        let gate = training.masks[0] as! HardConcreteGate
        gate.logAlpha.value = Tensor(unchecked: [2, 3], [-5, -2.4, 0, 1, 3, 0.5])
        let (beta, gamma, zeta) = (2.0 / 3, -0.1, 1.1)
        let expectedPenalty = [-5, -2.4, 0, 1, 3, 0.5].reduce(0.0) { $0 + sigmoid($1 - beta * log(-gamma / zeta)) }
        XCTAssertEqual(Double(try training.penalty()!.value.item), expectedPenalty, accuracy: 1e-5)
        let test = try withNoGrad { try l.weight.variable() }
        for (i, a) in [-5, -2.4, 0, 1, 3, 0.5].enumerated() {
            let z = min(1, max(0, sigmoid(a) * (zeta - gamma) + gamma))
            XCTAssertEqual(Double(test.value.scalars[i]), Double(i + 1) * z, accuracy: 1e-5)
        }
        // While training the gates are random, each in [0, 1].
        let sampled = try l.weight.variable().value.scalars
        for (i, v) in sampled.enumerated() { XCTAssertTrue(v >= 0 && v <= Float(i + 1), "\(v)") }
        XCTAssertEqual(try training.finish(sparsity: nil), 2.0 / 6, accuracy: 1e-9, "log α ≤ −2.4 closes the gate")
    }

    func testSparseVariationalDropoutKLAndPruningRule() throws {
        let values: [Float] = [1, 0.1, 0.01, -0.5, 0.02, 2]
        let (l, t) = target(values)
        let training = try LearnedMaskTraining(SparseVariationalDropoutMethod(), targets: [t], strength: 1,
                                               examples: 4, totalSteps: 1, seed: 2)
        let noise = training.masks[0] as! VariationalNoise
        let logSigma2: [Float] = [-10, -4, -6, -2, -4, -3]
        noise.logSigma2.value = Tensor(unchecked: [2, 3], logSigma2)
        let (k1, k2, k3) = (0.63576, 1.87320, 1.48695)
        var kl = 0.0
        for (w, s) in zip(values, logSigma2) {
            let a = min(8, max(-8, Double(s) - log(Double(w * w) + 1e-8)))
            kl += -(k1 * sigmoid(k2 + k3 * a) - 0.5 * log(1 + exp(-a)) - k1)
        }
        XCTAssertEqual(Double(try training.penalty()!.value.item), kl / 4, accuracy: 1e-5)
        // log α = log σ² − log θ²: 0.01 (−6 + 9.2 = 3.2) and 0.02 (−4 + 7.8 = 3.8) pass 3 and are pruned.
        XCTAssertEqual(try training.finish(sparsity: nil), 2.0 / 6, accuracy: 1e-9)
        XCTAssertEqual(l.weight.effectiveValue.scalars, [1, 0.1, 0, -0.5, 0, 2])
    }

    func testATargetSparsityPrunesTheSmallestSurvivorsToo() throws {
        let (l, t) = target([0.5, -0.05, 0.2, -0.9, 0.01, 0.3])
        let training = try LearnedMaskTraining(SoftThresholdMethod(initialThreshold: -20), targets: [t], examples: 1,
                                               totalSteps: 1, seed: 0)
        XCTAssertEqual(try training.finish(sparsity: 0.5), 0.5, accuracy: 1e-9)
        XCTAssertEqual(l.weight.effectiveValue.scalars.map { $0 != 0 }, [true, false, false, true, false, true])
        XCTAssertThrowsError(try LearnedMaskTraining(HardConcreteMethod(), targets: [t], strength: -1, examples: 1,
                                                     totalSteps: 1, seed: 0))
        XCTAssertThrowsError(try LearnedMasks.named("gumble")) { XCTAssertTrue("\($0)".contains("sparse-vd")) }
    }
}
