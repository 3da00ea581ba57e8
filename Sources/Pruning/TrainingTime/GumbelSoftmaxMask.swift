import Foundation
import PruneAutodiff
import PruneNN
import PruneTensor

/// Gumbel-softmax learned masks (Jang, Gu & Poole, "Categorical Reparameterization with
/// Gumbel-Softmax", ICLR 2017; Maddison, Mnih & Teh, "The Concrete Distribution", ICLR 2017): every
/// weight has a keep logit ℓ, and its keep/drop choice is a two-class Gumbel-softmax sample,
/// m = sigmoid((ℓ + log u − log(1 − u))/τ) with u ~ U(0, 1) (the difference of two Gumbel variables is
/// logistic), so P(m > ½) = sigmoid(ℓ) at every τ. The temperature anneals exponentially from
/// `initialTemperature` (1) to `finalTemperature` (0.5) over the training's steps (the paper's
/// τ = max(0.5, exp(−rt))), which sharpens the soft masks towards hard decisions. The straight-through
/// variant (`gumbel-st`; Bengio, Léonard & Courville 2013) uses the hard mask 1[m > ½] forward and the
/// soft sample's gradient backward. The penalty is Σ sigmoid(ℓ), the expected number of kept weights; at
/// test time a weight is kept when ℓ > 0 (the mode). ℓ starts at log(p/(1 − p)) for an initial keep
/// probability p (0.9) and trains at 100× the weights' learning rate (a parameter group of its own, as
/// score-based mask learners use), since its gradient w·∂L/∂w·m(1 − m)/τ is small.
public struct GumbelSoftmaxMethod: LearnedMaskMethod {
    public let name: String
    public let defaultStrength: Float
    public let straightThrough: Bool
    public let initialKeepProbability: Double
    public let initialTemperature: Float, finalTemperature: Float
    /// The logits' learning rate over the weights' (``Parameter/learningRateScale``).
    public let logitLearningRateScale: Float

    public init(straightThrough: Bool, initialKeepProbability: Double = 0.9, initialTemperature: Float = 1,
                finalTemperature: Float = 0.5, defaultStrength: Float = 1e-4, logitLearningRateScale: Float = 100) {
        name = straightThrough ? "gumbel-st" : "gumbel"
        self.straightThrough = straightThrough; self.initialKeepProbability = initialKeepProbability
        self.initialTemperature = initialTemperature; self.finalTemperature = finalTemperature
        self.defaultStrength = defaultStrength; self.logitLearningRateScale = logitLearningRateScale
    }

    public func makeMask(for target: PruningTarget, context: LearnedMaskContext,
                         rng: inout RandomGenerator) -> any LearnedMask {
        let p = initialKeepProbability
        let start = Float(Foundation.log(p) - Foundation.log(1 - p))
        let schedule = TemperatureAnnealing(initial: initialTemperature, final: finalTemperature,
                                            steps: context.totalSteps)
        let gate = GumbelGate(logits: Tensor(unchecked: target.shape, [Float](repeating: start, count: target.count)),
                              schedule: schedule, straightThrough: straightThrough, seed: rng.next())
        gate.logits.learningRateScale = logitLearningRateScale
        return gate
    }
}

/// τ_t = τ₀·(τ_end/τ₀)^(t/T), held at τ_end after step T.
public struct TemperatureAnnealing: Sendable {
    public let initial: Float, final: Float, steps: Int
    public func temperature(atStep step: Int) -> Float {
        guard steps > 0 else { return final }
        let progress = Float(Swift.min(step, steps)) / Float(steps)
        return initial * Foundation.pow(final / initial, progress)
    }
}

/// One weight's Gumbel-softmax keep/drop choices.
public final class GumbelGate: LearnedMask {
    public let logits: Parameter
    public let schedule: TemperatureAnnealing
    public let straightThrough: Bool
    /// Training forwards so far (the annealing's clock).
    public private(set) var step = 0
    private var rng: RandomGenerator

    init(logits: Tensor, schedule: TemperatureAnnealing, straightThrough: Bool, seed: UInt64) {
        self.logits = Parameter(logits); self.schedule = schedule; self.straightThrough = straightThrough
        rng = RandomGenerator(seed: seed)
    }

    public var maskParameters: [Parameter] { [logits] }

    public func apply(_ weight: Variable) throws -> Variable {
        guard GradMode.isEnabled else { return Variable(testWeight(weight.value)) }
        let noise = Tensor.logistic(logits.shape, using: &rng)
        let tau = schedule.temperature(atStep: step)
        step += 1
        let soft = try ((try logits.variable() + Variable(noise)) * (1 / tau))
            .sigmoid()
        guard straightThrough else { return try weight * soft }
        let hard = soft.value.map { $0 > 0.5 ? 1 : 0 }
        return try weight * (soft + Variable(try hard - soft.value))
    }

    public func penalty(weight: Parameter) throws -> Variable { try logits.variable().sigmoid().sum() }

    public func testWeight(_ weight: Tensor) -> Tensor {
        Tensor(unchecked: weight.shape, zip(weight.scalars, logits.value.scalars).map { $1 > 0 ? $0 : 0 })
    }
}
