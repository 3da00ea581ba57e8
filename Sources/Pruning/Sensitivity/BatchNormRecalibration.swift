import PruneAutodiff
import PruneNN
import PruneTensor

/// Re-estimates every BatchNorm's running mean and variance on a few training batches after pruning
/// (the statistics of a pruned network's activations drift; EagleEye, Li et al. 2020, showed that
/// candidates compared after this "adaptive BN" step rank like they do after fine-tuning). The
/// statistics restart and average the batches equally (momentum 1/k on batch k); no weight changes,
/// and every other layer (dropout) stays in evaluation mode.
public struct BatchNormRecalibration {
    public let batches: [Tensor]

    /// `batches`: normalized input batches (the first few of a shuffled training loader).
    public init(batches: [Tensor]) { self.batches = batches }

    /// Whether `model` has a BatchNorm to recalibrate.
    public static func applies(to model: any Module) -> Bool {
        model.namedModules().contains { $0.module is BatchNorm }
    }

    /// Runs the batches through `model` with its BatchNorms collecting statistics.
    public func apply(to model: any Module) throws {
        let norms = model.namedModules().compactMap { $0.module as? BatchNorm }
        guard !norms.isEmpty, !batches.isEmpty else { return }
        let momenta = norms.map(\.momentum), wasTraining = model.isTraining
        model.eval()
        defer {
            for (bn, m) in zip(norms, momenta) { bn.momentum = m; bn.isTraining = false }
            if wasTraining { model.train() }
        }
        for bn in norms {
            bn.isTraining = true
            bn.runningMean.value = Tensor.zeros(bn.runningMean.value.shape)
            bn.runningVar.value = Tensor.ones(bn.runningVar.value.shape)
        }
        try withNoGrad {
            for (k, batch) in batches.enumerated() {
                for bn in norms { bn.momentum = 1 / Float(k + 1) }
                _ = try model.forward(Variable(batch))
            }
        }
    }
}
