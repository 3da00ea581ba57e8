import Foundation
import PruneAutodiff
import PruneNN
import PruneTensor

/// Sparse variational dropout (Molchanov, Ashukha & Vetrov, "Variational Dropout Sparsifies Deep
/// Neural Networks", ICML 2017): w = θ + σ ⊙ ε while training (ε ~ N(0, 1) per weight and step; the
/// paper samples pre-activations instead, the local reparameterization trick, with the same
/// expectation), log α = log σ² − log θ², the KL term approximated as
/// −KL ≈ k₁·sigmoid(k₂ + k₃·log α) − ½·log(1 + 1/α) − k₁ (k₁ = 0.63576, k₂ = 1.87320, k₃ = 1.48695), added
/// as Σ KL / N (the evidence lower bound per training example); weights with log α > 3 are pruned.
/// log σ² starts at −10 and log α is clipped to [−8, 8], as in the authors' code.
public struct SparseVariationalDropoutMethod: LearnedMaskMethod {
    public let name = "sparse-vd"
    public let defaultStrength: Float = 1
    public init() {}
    public func makeMask(for target: PruningTarget, context: LearnedMaskContext,
                         rng: inout RandomGenerator) -> any LearnedMask {
        VariationalNoise(shape: target.shape, examples: context.examples, seed: rng.next())
    }
}

/// One weight's variational noise.
public final class VariationalNoise: LearnedMask, RandomizedMask {
    public let logSigma2: Parameter
    let examples: Int
    static let threshold: Float = 3
    public var generator: RandomGenerator

    init(shape: [Int], examples: Int, seed: UInt64) {
        logSigma2 = Parameter(Tensor(unchecked: shape, [Float](repeating: -10, count: shape.reduce(1, *))))
        self.examples = examples; generator = RandomGenerator(seed: seed)
    }

    public var maskParameters: [Parameter] { [logSigma2] }

    public func apply(_ weight: Variable) throws -> Variable {
        guard GradMode.isEnabled else { return Variable(testWeight(weight.value)) }
        let eps = Tensor(unchecked: logSigma2.shape, (0..<logSigma2.value.count).map { _ in generator.nextNormal() })
        return try weight + (try logSigma2.variable() * 0.5).exp() * Variable(eps)
    }

    public func penalty(weight: Parameter) throws -> Variable {
        let logTheta2 = (weight.leafVariable().square() + 1e-8).log()
        let logAlpha = LearnedMasks.clamp(try logSigma2.variable() - logTheta2, -8, 8)
        let (k1, k2, k3): (Float, Float, Float) = (0.63576, 1.87320, 1.48695)
        let negativeKL = try (k1 * (k2 + k3 * logAlpha).sigmoid()) - 0.5 * ((-logAlpha).exp() + 1).log() - k1
        return try (-negativeKL).sum() * (1 / Float(examples))
    }

    /// θ where log α ≤ 3, else 0.
    public func testWeight(_ weight: Tensor) -> Tensor {
        let s = logSigma2.value.scalars
        return Tensor(unchecked: weight.shape, weight.scalars.indices.map { i in
            let w = weight.scalars[i]
            return s[i] - Foundation.log(w * w + 1e-8) > Self.threshold ? 0 : w
        })
    }
}
