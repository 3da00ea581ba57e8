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
/// soft sample's gradient backward. The penalty is Σ sigmoid(ℓ), the expected number of kept weights, and
/// a weight is kept at test time when ℓ > 0 (the mode); when the training has a target sparsity s the
/// penalty is only the excess over the layer's budget, max(0, Σ sigmoid(ℓ) − (1 − s)·n), so λ sets how
/// fast the masks get there, and the final hard mask keeps the largest logits at s. After `freezeAt` of
/// the steps (0.75, RigL's T_end) each layer's mask is frozen at its mode (ℓ > 0, or with a target its
/// largest (1 − s)·n logits) and the weights train the rest of the budget under it, so the network that
/// is tested is the one that trained, not one of the random masks it sampled. ℓ starts at
/// log(p/(1 − p)) for an initial keep probability p (0.9) and trains at 100× the weights' learning rate
/// (a parameter group of its own, as score-based mask learners use), since its gradient
/// w·∂L/∂w·m(1 − m)/τ is small.
public struct GumbelSoftmaxMethod: LearnedMaskMethod {
    public let name: String
    public let defaultStrength: Float
    public let straightThrough: Bool
    public let initialKeepProbability: Double
    public let initialTemperature: Float, finalTemperature: Float
    /// The logits' learning rate over the weights' (``Parameter/learningRateScale``).
    public let logitLearningRateScale: Float
    /// The fraction of the steps after which the masks stop learning.
    public let freezeAt: Double

    public init(straightThrough: Bool, initialKeepProbability: Double = 0.9, initialTemperature: Float = 1,
                finalTemperature: Float = 0.5, defaultStrength: Float = 1e-3, logitLearningRateScale: Float = 100,
                freezeAt: Double = 0.75) {
        name = straightThrough ? "gumbel-st" : "gumbel"
        self.straightThrough = straightThrough; self.initialKeepProbability = initialKeepProbability
        self.initialTemperature = initialTemperature; self.finalTemperature = finalTemperature
        self.defaultStrength = defaultStrength; self.logitLearningRateScale = logitLearningRateScale
        self.freezeAt = freezeAt
    }

    public func makeMask(for target: PruningTarget, context: LearnedMaskContext,
                         rng: inout RandomGenerator) -> any LearnedMask {
        let p = initialKeepProbability
        let start = Float(Foundation.log(p) - Foundation.log(1 - p))
        let learning = Int((freezeAt * Double(context.totalSteps)).rounded())
        let settings = GumbelGate.Settings(
            schedule: TemperatureAnnealing(initial: initialTemperature, final: finalTemperature, steps: learning),
            straightThrough: straightThrough, budget: context.targetSparsity.map { (1 - $0) * Double(target.count) },
            freezeStep: learning)
        let gate = GumbelGate(logits: Tensor(unchecked: target.shape, [Float](repeating: start, count: target.count)),
                              settings: settings, seed: rng.next())
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
public final class GumbelGate: LearnedMask, RandomizedMask {
    public struct Settings: Sendable {
        public var schedule: TemperatureAnnealing
        public var straightThrough: Bool
        /// The expected number of kept weights the penalty allows for free (nil: no target).
        public var budget: Double?
        /// The training forward from which the mask is frozen at its mode.
        public var freezeStep: Int
    }

    public let logits: Parameter
    public let settings: Settings
    /// Training forwards so far (the annealing's clock).
    public private(set) var step = 0
    /// The mode the mask froze at, once it has.
    public private(set) var frozen: Tensor?
    public var generator: RandomGenerator

    init(logits: Tensor, settings: Settings, seed: UInt64) {
        self.logits = Parameter(logits); self.settings = settings; generator = RandomGenerator(seed: seed)
    }

    public var maskParameters: [Parameter] { [logits] }

    public func apply(_ weight: Variable) throws -> Variable {
        guard GradMode.isEnabled else { return Variable(testWeight(weight.value)) }
        defer { step += 1 }
        if step >= settings.freezeStep {
            if frozen == nil { frozen = mode() }
            return try weight * Variable(frozen!)
        }
        let noise = Tensor.logistic(logits.shape, using: &generator)
        let tau = settings.schedule.temperature(atStep: step)
        let soft = try ((try logits.variable() + Variable(noise)) * (1 / tau)).sigmoid()
        guard settings.straightThrough else { return try weight * soft }
        let hard = soft.value.map { $0 > 0.5 ? 1 : 0 }
        return try weight * (soft + Variable(try hard - soft.value))
    }

    /// The logits, the generator, the step and the frozen mask.
    public func checkpointValues() -> CheckpointedValues {
        var v = maskCheckpointValues()
        v.words["step"] = [UInt64(step)]
        if let frozen { v.tensors["frozen"] = frozen }
        return v
    }

    public func restore(_ values: CheckpointedValues, atStep step: Int) throws {
        try restoreMask(values)
        self.step = Int(values.words["step"]?.first ?? 0)
        frozen = values.tensors["frozen"]
    }

    /// 1 where ℓ > 0, or with a budget B where ℓ is among the round(B) largest.
    func mode() -> Tensor {
        guard let budget = settings.budget else { return logits.value.map { $0 > 0 ? 1 : 0 } }
        let kept = MaskSelection.keepLargest(logits.value.scalars, count: Int(budget.rounded()))
        return Tensor(unchecked: logits.shape, kept)
    }

    /// Σ sigmoid(ℓ), or with a budget B its excess max(0, Σ sigmoid(ℓ) − B).
    public func penalty(weight: Parameter) throws -> Variable {
        let expectedKept = try logits.variable().sigmoid().sum()
        guard let budget = settings.budget else { return expectedKept }
        return (expectedKept - Float(budget)).relu()
    }

    /// The logits; once frozen, the pruned ones below every kept one.
    public func hardMaskScores() -> Tensor? {
        guard let frozen else { return logits.value }
        let floor = (logits.value.scalars.min() ?? 0) - 1
        return Tensor(unchecked: logits.shape, zip(logits.value.scalars, frozen.scalars).map { $1 != 0 ? $0 : floor })
    }

    public func testWeight(_ weight: Tensor) -> Tensor {
        let keep = frozen ?? logits.value.map { $0 > 0 ? 1 : 0 }
        return Tensor(unchecked: weight.shape, zip(weight.scalars, keep.scalars).map { $1 != 0 ? $0 : 0 })
    }
}
