import PruneNN
import PruneTensor

/// Which pruned weights a drop-and-grow update brings back (higher score = grown first).
public protocol RegrowthCriterion: Sendable {
    var name: String { get }
    /// Whether the scores read the dense gradient of the update step (RigL).
    var needsDenseGradient: Bool { get }
    func scores(_ target: PruningTarget, rng: inout RandomGenerator) -> [Float]
}

/// SET's growth (Mocanu et al. 2018): uniformly random.
public struct RandomRegrowth: RegrowthCriterion {
    public let name = "set"
    public let needsDenseGradient = false
    public init() {}
    public func scores(_ target: PruningTarget, rng: inout RandomGenerator) -> [Float] {
        (0..<target.count).map { _ in Float.random(in: 0..<1, using: &rng) }
    }
}

/// RigL's growth (Evci et al. 2020): the largest |∂L/∂w| of the dense gradient at the update step.
public struct GradientRegrowth: RegrowthCriterion {
    public let name = "rigl"
    public let needsDenseGradient = true
    public init() {}
    public func scores(_ target: PruningTarget, rng: inout RandomGenerator) -> [Float] {
        target.parameter.denseGradient?.scalars.map { abs($0) } ?? [Float](repeating: 0, count: target.count)
    }
}

/// Dynamic sparse training by drop and grow, at a fixed density from the first step: SET (Mocanu
/// et al., Nature Communications 2018) and RigL (Evci et al., "Rigging the Lottery", ICML 2020). The
/// network starts from a random mask at the allocation's densities (ERK in RigL, ER in SET); at every
/// update step each layer drops the f_t·n_active active weights of smallest |w| and grows as many of
/// the then-inactive ones with the highest regrowth score; grown weights start at 0 (a weight dropped
/// and grown back in the same update keeps its value, as in RigL's code).
public final class DropAndGrow: TrainingHook, CheckpointedState {
    public let targets: [PruningTarget]
    public let growth: any RegrowthCriterion
    public let schedule: MaskUpdateSchedule
    private var rng: RandomGenerator
    /// Weights replaced over the run (drops = grows).
    public private(set) var replaced = 0

    /// Sets the initial random masks (`densities` per target) and returns the hook to train with.
    public init(targets: [PruningTarget], densities: [Double], growth: any RegrowthCriterion,
                schedule: MaskUpdateSchedule, seed: UInt64) {
        self.targets = targets; self.growth = growth; self.schedule = schedule
        rng = RandomGenerator(seed: seed ^ 0xD5A7_0000)
        for (t, d) in zip(targets, densities) {
            let scores = (0..<t.count).map { _ in Float.random(in: 0..<1, using: &rng) }
            let mask = MaskSelection.keepLargest(scores, count: MaskSelection.keptCount(t.count, density: d))
            t.parameter.mask = Tensor(unchecked: t.shape, mask)
            t.parameter.value = t.parameter.effectiveValue
        }
    }

    /// The generator (the masks are the model's, saved with it).
    public func checkpointValues() -> CheckpointedValues { CheckpointedValues(words: ["rng": rng.savedState]) }

    public func restore(_ values: CheckpointedValues, atStep step: Int) throws { rng = try values.generator("rng") }

    public func willStep(_ step: Int) throws {
        guard growth.needsDenseGradient else { return }
        for t in targets { t.parameter.recordsDenseGradient = schedule.isUpdate(step) }
    }

    public func didStep(_ step: Int) throws {
        guard schedule.isUpdate(step) else { return }
        let fraction = schedule.updateFraction(at: step)
        for t in targets { update(t, fraction: fraction) }
        for t in targets { t.parameter.recordsDenseGradient = false; t.parameter.denseGradient = nil }
    }

    /// One drop-and-grow update of one layer.
    func update(_ t: PruningTarget, fraction: Double) {
        let old = t.maskScalars, values = t.parameter.value.scalars
        let active = old.indices.filter { old[$0] != 0 }
        let count = Int((fraction * Double(active.count)).rounded())
        guard count > 0 else { return }
        let magnitudes = active.map { -abs(values[$0]) }
        var mask = old
        for k in MaskSelection.largestIndices(magnitudes, count: count) { mask[active[k]] = 0 }
        var grow = growth.scores(t, rng: &rng)
        for i in grow.indices where mask[i] != 0 { grow[i] = -.infinity }
        for i in MaskSelection.largestIndices(grow, count: count) { mask[i] = 1 }
        var kept = values
        for i in kept.indices where mask[i] == 0 || old[i] == 0 { kept[i] = 0 }
        replaced += zip(old, mask).filter { $0 == 0 && $1 != 0 }.count
        t.parameter.value = Tensor(unchecked: t.shape, kept)
        t.parameter.mask = Tensor(unchecked: t.shape, mask)
    }
}
