import Foundation
import PruneAutodiff
import PruneNN
import PruneTensor

/// L0 regularization with hard-concrete gates (Louizos, Welling & Kingma, "Learning Sparse Neural
/// Networks through L0 Regularization", ICLR 2018): w = θ ⊙ z, z = min(1, max(0, s·(ζ − γ) + γ)),
/// s = sigmoid((log u − log(1 − u) + log α)/β) with u ~ U(0, 1) while training and s = sigmoid(log α)
/// at test time; β = 2/3, γ = −0.1, ζ = 1.1; penalty Σ sigmoid(log α − β·log(−γ/ζ)), the expected
/// number of open gates. log α starts near log(1 − p) − log p for the paper's initial drop rate p
/// (0.5 → 0, noise 0.01).
public struct HardConcreteMethod: LearnedMaskMethod {
    public let name = "l0"
    public let defaultStrength: Float = 1e-5
    public let initialDropRate: Double
    public init(initialDropRate: Double = 0.5) { self.initialDropRate = initialDropRate }
    public func makeMask(for target: PruningTarget, context: LearnedMaskContext,
                         rng: inout RandomGenerator) -> any LearnedMask {
        let mean = Float(Foundation.log(1 - initialDropRate) - Foundation.log(initialDropRate))
        let start = (0..<target.count).map { _ in mean + 0.01 * rng.nextNormal() }
        return HardConcreteGate(logAlpha: Tensor(unchecked: target.shape, start), seed: rng.next())
    }
}

/// One weight's hard-concrete gates.
public final class HardConcreteGate: LearnedMask, RandomizedMask {
    public let logAlpha: Parameter
    static let beta: Float = 2.0 / 3, gamma: Float = -0.1, zeta: Float = 1.1
    public var generator: RandomGenerator

    init(logAlpha: Tensor, seed: UInt64) {
        self.logAlpha = Parameter(logAlpha); generator = RandomGenerator(seed: seed)
    }

    public var maskParameters: [Parameter] { [logAlpha] }

    public func apply(_ weight: Variable) throws -> Variable {
        let a = try logAlpha.variable()
        guard GradMode.isEnabled else { return try weight * Variable(gates(logAlpha.value)) }
        let s = try (a + Variable(Tensor.logistic(logAlpha.shape, using: &generator))) * (1 / Self.beta)
        let stretched = s.sigmoid() * (Self.zeta - Self.gamma) + Self.gamma
        return try weight * LearnedMasks.clamp(stretched, 0, 1)
    }

    public func penalty(weight: Parameter) throws -> Variable {
        let shift = Self.beta * Foundation.log(-Self.gamma / Self.zeta)
        return try (try logAlpha.variable() - shift).sigmoid().sum()
    }

    /// z at test time: min(1, max(0, sigmoid(log α)·(ζ − γ) + γ)).
    func gates(_ a: Tensor) -> Tensor {
        a.map { Swift.min(1, Swift.max(0, 1 / (1 + Foundation.exp(-$0)) * (Self.zeta - Self.gamma) + Self.gamma)) }
    }

    public func testWeight(_ weight: Tensor) -> Tensor { (try? weight * gates(logAlpha.value)) ?? weight }
}
