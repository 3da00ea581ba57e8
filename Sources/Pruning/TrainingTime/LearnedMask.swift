import PruneAutodiff
import PruneNN
import PruneTensor

/// The mask one weight learns while it trains: a reparameterization of the weight with its own
/// parameters and penalty, and the weight it leaves at test time (zeros where it pruned).
public protocol LearnedMask: WeightReparameterization, CheckpointedState {
    /// The mask's own parameters, trained with the network's.
    var maskParameters: [Parameter] { get }
    /// The mask's regularizer (without the strength λ) for `weight`, differentiable.
    func penalty(weight: Parameter) throws -> Variable
    /// The weight used at test time (deterministic; exactly zero where the mask pruned).
    func testWeight(_ weight: Tensor) -> Tensor
    /// Scores whose largest the final hard mask keeps when a target sparsity is given, the weight then
    /// kept at its stored value (Gumbel masks rank by their keep logits); nil: the largest |test weight|.
    func hardMaskScores() -> Tensor?
}

extension LearnedMask {
    public func hardMaskScores() -> Tensor? { nil }
    public func checkpointValues() -> CheckpointedValues { maskCheckpointValues() }
    public func restore(_ values: CheckpointedValues, atStep step: Int) throws { try restoreMask(values) }

    /// The mask's parameters, and its generator when it has one (see ``RandomizedMask``).
    public func maskCheckpointValues() -> CheckpointedValues {
        var v = CheckpointedValues()
        for (j, p) in maskParameters.enumerated() { v.tensors["p\(j)"] = p.value }
        if let r = self as? any RandomizedMask { v.words["rng"] = r.generator.savedState }
        return v
    }

    /// Puts back what ``maskCheckpointValues()`` saved.
    public func restoreMask(_ values: CheckpointedValues) throws {
        for (j, p) in maskParameters.enumerated() { p.value = try values.tensor("p\(j)", shape: p.shape) }
        if let r = self as? any RandomizedMask { r.generator = try values.generator("rng") }
    }
}

/// A learned mask that draws random numbers while it trains (its generator is checkpointed).
public protocol RandomizedMask: AnyObject {
    var generator: RandomGenerator { get set }
}

/// A learned-mask method: makes the mask of one weight. A new method is one conforming type added to
/// ``LearnedMasks/all``.
public protocol LearnedMaskMethod: Sendable {
    var name: String { get }
    /// λ when the user gives none.
    var defaultStrength: Float { get }
    func makeMask(for target: PruningTarget, context: LearnedMaskContext, rng: inout RandomGenerator) -> any LearnedMask
}

/// What a learned mask may need to know about the training it is part of.
public struct LearnedMaskContext: Sendable {
    /// The training set's size (the variational bound weighs its KL term by 1/N).
    public let examples: Int
    /// The optimizer steps of the whole training (temperature annealing).
    public let totalSteps: Int
    /// The sparsity the final hard mask will reach, when one is asked for (a budget for the penalty).
    public let targetSparsity: Double?
    public init(examples: Int, totalSteps: Int, targetSparsity: Double? = nil) {
        self.examples = max(1, examples); self.totalSteps = totalSteps; self.targetSparsity = targetSparsity
    }
}

/// A training with learned masks on every weight in scope: the extra parameters for the optimizer, the
/// loss term, and ``finish(sparsity:)`` that bakes the test-time weights and sets hard masks.
public final class LearnedMaskTraining: CheckpointedState {
    public let targets: [PruningTarget]
    public let masks: [any LearnedMask]
    public let strength: Float

    /// Installs `method`'s masks on `targets` for a training of `totalSteps` steps over `examples` examples;
    /// `targetSparsity` is what ``finish(sparsity:)`` will be asked for, when known.
    public init(_ method: any LearnedMaskMethod, targets: [PruningTarget], strength: Float? = nil, examples: Int,
                totalSteps: Int, targetSparsity: Double? = nil, seed: UInt64) throws {
        let lambda = strength ?? method.defaultStrength
        guard lambda.isFinite, lambda >= 0 else {
            throw PruningError.invalidOption("a learned mask's strength must be 0 or more, got \(lambda)")
        }
        var rng = RandomGenerator(seed: seed ^ 0x1EA5_3D00)
        let context = LearnedMaskContext(examples: examples, totalSteps: totalSteps, targetSparsity: targetSparsity)
        masks = targets.map { method.makeMask(for: $0, context: context, rng: &rng) }
        for (t, m) in zip(targets, masks) { t.parameter.reparameterization = m }
        self.targets = targets; self.strength = lambda
    }

    /// Every mask's parameters and generators, each under its index.
    public func checkpointValues() -> CheckpointedValues {
        var all = CheckpointedValues()
        for (i, m) in masks.enumerated() {
            let v = m.checkpointValues()
            for (k, t) in v.tensors { all.tensors["\(i).\(k)"] = t }
            for (k, w) in v.words { all.words["\(i).\(k)"] = w }
        }
        return all
    }

    public func restore(_ values: CheckpointedValues, atStep step: Int) throws {
        for (i, m) in masks.enumerated() {
            let prefix = "\(i)."
            let mine = CheckpointedValues(
                tensors: Dictionary(uniqueKeysWithValues: values.tensors.filter { $0.key.hasPrefix(prefix) }
                    .map { (String($0.key.dropFirst(prefix.count)), $0.value) }),
                words: Dictionary(uniqueKeysWithValues: values.words.filter { $0.key.hasPrefix(prefix) }
                    .map { (String($0.key.dropFirst(prefix.count)), $0.value) }))
            try m.restore(mine, atStep: step)
        }
    }

    /// The masks' parameters, for the optimizer.
    public var parameters: [Parameter] { masks.flatMap(\.maskParameters) }

    /// λ·Σ penalties.
    public func penalty() throws -> Variable? {
        var total: Variable?
        for (t, m) in zip(targets, masks) {
            let p = try m.penalty(weight: t.parameter)
            total = try total.map { try $0 + p } ?? p
        }
        return total.map { $0 * strength }
    }

    /// Removes the reparameterizations, stores the test-time weights and sets hard masks: every zero
    /// of the test-time weights, and when `sparsity` asks for more, the smallest |w| (one global
    /// threshold) until it is reached; masks with ``LearnedMask/hardMaskScores()`` instead keep the
    /// largest scores at that sparsity. Returns the fraction of the weights pruned.
    @discardableResult
    public func finish(sparsity: Double?) throws -> Double {
        let scores = sparsity == nil ? [] : masks.compactMap { $0.hardMaskScores() }
        let ranked = scores.count == masks.count
        let weights = zip(targets, masks).map { t, m in
            ranked ? t.parameter.effectiveValue : m.testWeight(t.parameter.effectiveValue)
        }
        for (t, w) in zip(targets, weights) { t.parameter.reparameterization = nil; t.parameter.value = w }
        let total = weights.reduce(0) { $0 + $1.count }
        let keep = sparsity.map { Int(((1 - $0) * Double(total)).rounded()) } ?? total
        let chosen = MaskSelection.keepLargestGlobally(ranked ? scores.map(\.scalars)
                                                       : weights.map { $0.scalars.map { abs($0) } }, count: keep)
        for (t, (w, m)) in zip(targets, zip(weights, chosen)) {
            t.parameter.mask = Tensor(unchecked: t.shape, zip(w.scalars, m).map { $0 != 0 && $1 != 0 ? 1 : 0 })
        }
        return targets.sparsity
    }
}

/// The learned-mask methods by name.
public enum LearnedMasks {
    public static let all: [any LearnedMaskMethod] = [SoftThresholdMethod(), HardConcreteMethod(),
                                                      SparseVariationalDropoutMethod(),
                                                      GumbelSoftmaxMethod(straightThrough: false),
                                                      GumbelSoftmaxMethod(straightThrough: true)]

    /// The method called `name`, or an error listing the known ones.
    public static func named(_ name: String) throws -> any LearnedMaskMethod {
        try NamedChoice.find(name, in: all, kind: "learned mask") { $0.name }
    }

    /// min(hi, max(lo, x)) with the gradient of the clamp.
    static func clamp(_ x: Variable, _ lo: Float, _ hi: Float) -> Variable {
        hi - ((hi - (lo + (x - lo).relu())).relu())
    }
}
