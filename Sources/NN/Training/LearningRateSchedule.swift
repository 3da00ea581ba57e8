#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The learning rate as a function of the optimizer step.
public protocol LearningRateSchedule: Sendable {
    func learningRate(atStep step: Int) -> Float
}

/// A fixed learning rate.
public struct ConstantLR: LearningRateSchedule {
    public let base: Float
    public init(_ base: Float) { self.base = base }
    public func learningRate(atStep step: Int) -> Float { base }
}

/// Multiplies the rate by `gamma` every `stepSize` steps.
public struct StepLR: LearningRateSchedule {
    public let base: Float, stepSize: Int, gamma: Float
    public init(base: Float, stepSize: Int, gamma: Float = 0.1) {
        self.base = base; self.stepSize = Swift.max(1, stepSize); self.gamma = gamma
    }
    public func learningRate(atStep step: Int) -> Float { base * powf(gamma, Float(step / stepSize)) }
}

/// Cosine annealing from `base` to `minimum` over `totalSteps` (Loshchilov & Hutter, SGDR, 2017).
public struct CosineLR: LearningRateSchedule {
    public let base: Float, totalSteps: Int, minimum: Float
    public init(base: Float, totalSteps: Int, minimum: Float = 0) {
        self.base = base; self.totalSteps = Swift.max(1, totalSteps); self.minimum = minimum
    }
    public func learningRate(atStep step: Int) -> Float {
        let t = Float(Swift.min(step, totalSteps)) / Float(totalSteps)
        return minimum + (base - minimum) * 0.5 * (1 + cosf(Float.pi * t))
    }
}

/// Linear warm-up from 0 over `warmupSteps`, then the wrapped schedule (Goyal et al. 2017).
public struct LinearWarmup<Inner: LearningRateSchedule>: LearningRateSchedule {
    public let warmupSteps: Int, inner: Inner
    public init(warmupSteps: Int, then inner: Inner) { self.warmupSteps = warmupSteps; self.inner = inner }
    public func learningRate(atStep step: Int) -> Float {
        let lr = inner.learningRate(atStep: step)
        return step < warmupSteps ? lr * Float(step + 1) / Float(warmupSteps) : lr
    }
}
