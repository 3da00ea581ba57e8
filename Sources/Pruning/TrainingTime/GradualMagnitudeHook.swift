import PruneNN
import PruneTensor

/// Gradual magnitude pruning from scratch (Zhu & Gupta 2017, AGP): during training, at the steps of a
/// ``GradualSchedule``, each layer is pruned by |w| to that step's sparsity (layer-wise, as in the
/// paper); masks stay fixed between those steps. The training-time twin of the `agp` fine-tuning
/// schedule, so AGP can be compared with sparse training under one epoch budget.
public final class GradualMagnitudeHook: TrainingHook {
    public let targets: [PruningTarget]
    public let schedule: GradualSchedule
    public let finalSparsity: Double

    public init(targets: [PruningTarget], schedule: GradualSchedule, finalSparsity: Double) {
        self.targets = targets; self.schedule = schedule; self.finalSparsity = finalSparsity
    }

    public func didStep(_ step: Int) throws {
        guard let s = schedule.sparsity(atStep: step + 1, final: finalSparsity) else { return }
        for t in targets {
            let scores = t.parameter.effectiveValue.scalars.map { abs($0) }
            let mask = MaskSelection.keepLargest(scores, count: MaskSelection.keptCount(t.count, density: 1 - s))
            t.parameter.mask = Tensor(unchecked: t.shape, mask)
            t.parameter.value = t.parameter.effectiveValue
        }
    }
}
