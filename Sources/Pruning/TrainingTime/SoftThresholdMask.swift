import Foundation
import PruneAutodiff
import PruneNN
import PruneTensor

/// STR, soft threshold reparameterization (Kusupati et al., "Soft Threshold Weight
/// Reparameterization for Learnable Sparsity", ICML 2020): w = sign(v)·ReLU(|v| − g(s)), g the sigmoid
/// and s one learnable threshold per layer, started at `initialThreshold` (the paper's s_init, e.g.
/// −3.2 … −12.8 depending on the target); weight decay on s (here the penalty λ·s²) raises the
/// threshold and so the sparsity during training.
public struct SoftThresholdMethod: LearnedMaskMethod {
    public let name = "str"
    public let defaultStrength: Float = 1e-3
    public let initialThreshold: Float
    public init(initialThreshold: Float = -6) { self.initialThreshold = initialThreshold }
    public func makeMask(for target: PruningTarget, context: LearnedMaskContext,
                         rng: inout RandomGenerator) -> any LearnedMask {
        SoftThreshold(initial: initialThreshold)
    }
}

/// One layer's soft threshold.
public final class SoftThreshold: LearnedMask {
    public let threshold: Parameter
    init(initial: Float) { threshold = Parameter(Tensor(unchecked: [1], [initial])) }

    public var maskParameters: [Parameter] { [threshold] }

    public func apply(_ weight: Variable) throws -> Variable {
        let cut = try threshold.variable().sigmoid()
        return try weight.sign() * (try weight.abs() - cut).relu()
    }

    public func penalty(weight: Parameter) throws -> Variable { try threshold.variable().square().sum() }

    public func testWeight(_ weight: Tensor) -> Tensor {
        let cut = 1 / (1 + Foundation.exp(-threshold.value.scalars[0]))
        return weight.map { $0 == 0 ? 0 : ($0 > 0 ? 1 : -1) * Swift.max(0, abs($0) - cut) }
    }
}
