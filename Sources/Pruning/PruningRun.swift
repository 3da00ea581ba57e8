import PruneAutodiff
import PruneNN
import PruneTensor

/// One pruning run in progress, as a ``PruningSchedule`` sees it: it can prune the model's
/// in-scope weights to a sparsity (calibrating, scoring and masking with the plan's criterion,
/// pattern and scope), measure test accuracy, and fine-tune.
public final class PruningRun {
    public let model: any Module
    public let plan: PruningPlan
    public let data: PruningData
    /// The weights in scope.
    public let targets: [PruningTarget]
    /// Test accuracy of the model before pruning.
    public private(set) var denseAccuracy = 0.0
    let teacher: (any Module)?
    let logger: ((String) -> Void)?

    init(model: any Module, plan: PruningPlan, data: PruningData, teacher: (any Module)?,
         log: ((String) -> Void)?) throws {
        self.model = model; self.plan = plan; self.data = data; self.teacher = teacher; self.logger = log
        targets = try plan.scope.targets(in: model)
        denseAccuracy = try evaluate()
    }

    /// The sparsity the run must end at.
    public var targetSparsity: Double { plan.effectiveSparsity }
    /// Optimizer steps in one fine-tuning epoch.
    public var stepsPerEpoch: Int { (data.train.count + plan.fineTuning.batchSize - 1) / plan.fineTuning.batchSize }

    /// Writes a progress line.
    public func log(_ line: String) { logger?(line) }

    /// Test-set accuracy of the model now.
    public func evaluate() throws -> Double {
        let loader = try DataLoader(data.test, batchSize: 500, mean: data.normalization.mean,
                                    std: data.normalization.std)
        return Double(try Trainer.evaluate(model, loader: loader).requireFinite().accuracy)
    }

    /// Calibrates (when the criterion needs data), scores and masks the targets at `sparsity`.
    public func prune(to sparsity: Double) throws {
        let ft = plan.fineTuning
        let loader = try DataLoader(data.train, batchSize: ft.batchSize, shuffle: true, seed: ft.seed &+ 7,
                                    mean: data.normalization.mean, std: data.normalization.std)
        let stats = try Calibration.collect(model: model, targets: targets, needs: plan.criterion.needs, loader: loader,
                                            batches: plan.calibrationBatches,
                                            settings: CalibrationSettings(seed: ft.seed, probes: plan.hessianProbes,
                                                                          movementLearningRate: ft.learningRate * ft.learningRateMultiplier))
        let masks = try MaskBuilder.masks(targets: targets, criterion: plan.criterion, statistics: stats,
                                          pattern: plan.pattern, scope: plan.scope, sparsity: sparsity)
        for t in targets { t.parameter.mask = Tensor(unchecked: t.shape, masks[t.path]!) }
    }

    /// Fine-tunes `epochs` epochs with the plan's options; `afterStep` runs after every optimizer step.
    public func fineTune(epochs: Int, afterStep: ((Int) throws -> Void)? = nil) throws {
        _ = try FineTuner.run(model, data: data.train, normalization: data.normalization, options: plan.fineTuning,
                              epochs: epochs, teacher: teacher, afterStep: afterStep)
    }
}
