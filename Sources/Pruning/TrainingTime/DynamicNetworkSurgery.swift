import PruneNN
import PruneTensor

/// Dynamic network surgery (Guo, Yao & Chen, "Dynamic Network Surgery for Efficient DNNs", NIPS
/// 2016): the forward pass uses W ⊙ T, but every weight (pruned ones too) is updated by the gradient
/// of the masked network, so a pruned weight that grows back in magnitude is spliced back in. At each
/// update step a layer's mask becomes 0 where |w| < a, 1 where |w| ≥ b, and stays as it was between,
/// with a = 0.9·t and b = 1.1·t around the magnitude t that keeps the layer's density (the paper's
/// Caffe code puts t at μ + c·σ of |W| and uses the same 0.9/1.1 band). The paper prunes a trained
/// network; from scratch (`ramp`, the default) the masks start dense and the density each update
/// aims at falls from 1 to the target by AGP's cubic ramp over the update period, because a network
/// that starts at 5% density with straight-through updates of the other 95% diverged (SGD, lr 0.05:
/// 4 of 9 LeNet-300-100 runs at 95–98% ended at chance). Updates come every `schedule.interval` steps
/// until `schedule.endStep` (the paper updates with a probability that decays over training); after the
/// step before it the masks are made exact (the active weights kept first, then by |w|, at each layer's
/// density) and the pruned weights stop training.
public final class DynamicNetworkSurgery: TrainingHook, CheckpointedState {
    public let targets: [PruningTarget]
    public let densities: [Double]
    public let schedule: MaskUpdateSchedule
    /// The band around the density's magnitude threshold: (lower, upper) multipliers.
    public let band: (lower: Float, upper: Float)
    /// Pruned weights spliced back over the run.
    public private(set) var spliced = 0

    /// Whether the density falls from 1 to the target over the updates (from scratch) instead of
    /// starting at the target.
    public let ramp: Bool

    public init(targets: [PruningTarget], densities: [Double], schedule: MaskUpdateSchedule,
                band: (lower: Float, upper: Float) = (0.9, 1.1), ramp: Bool = true) {
        self.targets = targets; self.densities = densities; self.schedule = schedule; self.band = band
        self.ramp = ramp
        for (t, d) in zip(targets, densities) {
            t.parameter.mask = Tensor(unchecked: t.shape, exactMask(t, density: ramp ? 1 : d))
            t.parameter.updatesPrunedWeights = true
        }
    }

    public func didStep(_ step: Int) throws {
        if step + 1 == schedule.endStep {
            finish()
        } else if schedule.isUpdate(step) {
            for (t, d) in zip(targets, densities) { surgery(t, density: density(d, at: step)) }
        }
    }

    /// Nothing beyond the model's values and masks; whether pruned weights still train follows the step.
    public func checkpointValues() -> CheckpointedValues { CheckpointedValues() }

    public func restore(_ values: CheckpointedValues, atStep step: Int) throws {
        for t in targets { t.parameter.updatesPrunedWeights = step < schedule.endStep }
    }

    /// The density an update at `step` aims at: d + (1 − d)·(1 − step/T_end)³ with the ramp, else d.
    func density(_ d: Double, at step: Int) -> Double {
        guard ramp else { return d }
        let r = 1 - Double(step) / Double(schedule.endStep)
        return d + (1 - d) * r * r * r
    }

    /// The top-|w| mask at `density`.
    func exactMask(_ t: PruningTarget, density: Double) -> [Float] {
        MaskSelection.keepLargest(t.parameter.value.scalars.map { abs($0) },
                                  count: MaskSelection.keptCount(t.count, density: density))
    }

    /// Prunes below the band, splices above it.
    func surgery(_ t: PruningTarget, density: Double) {
        let magnitudes = t.parameter.value.scalars.map { abs($0) }
        let kept = MaskSelection.keptCount(t.count, density: density)
        let threshold = magnitudes.sorted(by: >)[kept - 1]
        var mask = t.maskScalars
        for i in mask.indices {
            if magnitudes[i] < band.lower * threshold { mask[i] = 0 } else if magnitudes[i] >= band.upper * threshold {
                if mask[i] == 0 { spliced += 1 }
                mask[i] = 1
            }
        }
        t.parameter.mask = Tensor(unchecked: t.shape, mask)
    }

    /// Exact masks at the densities, changing the current ones as little as possible (the active weights
    /// with the largest |w| stay, the largest inactive ones fill up); pruned weights zeroed and frozen.
    public func finish() {
        for (t, d) in zip(targets, densities) {
            let values = t.parameter.value.scalars, mask = t.maskScalars
            let top = values.reduce(Float(0)) { max($0, abs($1)) } + 1
            let scores = values.indices.map { abs(values[$0]) + (mask[$0] != 0 ? top : 0) }
            let exact = MaskSelection.keepLargest(scores, count: MaskSelection.keptCount(t.count, density: d))
            t.parameter.mask = Tensor(unchecked: t.shape, exact)
            t.parameter.updatesPrunedWeights = false
            t.parameter.value = t.parameter.effectiveValue
        }
    }
}
