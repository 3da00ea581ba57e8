import PruneAutodiff
import PruneTensor

/// The training loop every dense training uses (`prune train`, recipes that train a missing model,
/// benchmarks): `epochs` passes of ``Trainer/trainEpoch`` over shuffled, normalized batches with one
/// optimizer and learning-rate schedule, the step counter carried across epochs.
public struct TrainingLoop {
    public var epochs: Int
    public var batchSize: Int
    /// Seeds the shuffling (epoch e shuffles with (seed, e)).
    public var seed: UInt64
    public var normalization: (mean: Float, std: Float)
    public var labelSmoothing: Float = 0
    public var clipNorm: Float?
    /// An extra loss term added every step (network slimming's penalty, say).
    public var extraLoss: ((any Module) throws -> Variable?)?

    public init(epochs: Int, batchSize: Int, seed: UInt64, normalization: (mean: Float, std: Float)) {
        self.epochs = epochs; self.batchSize = batchSize; self.seed = seed; self.normalization = normalization
    }

    /// Optimizer steps of the whole run on `count` examples.
    public func totalSteps(examples count: Int) -> Int { epochs * ((count + batchSize - 1) / batchSize) }

    /// Trains `model` on `data`; `epochDone` sees each epoch's result as it ends. `startEpoch` resumes a
    /// run whose model and optimizer were restored after that many epochs (the step counter and the
    /// shuffling continue as if the run had not stopped).
    public func run(_ model: any Module, data: LabeledImages, optimizer: any Optimizer,
                    schedule: (any LearningRateSchedule)?, startEpoch: Int = 0,
                    progress: ((TrainingProgress) -> Void)? = nil,
                    epochDone: ((Int, EpochResult) throws -> Void)? = nil) throws -> [EpochResult] {
        var step = startEpoch * ((data.count + batchSize - 1) / batchSize)
        var results: [EpochResult] = []
        for epoch in startEpoch..<max(startEpoch, epochs) {
            let loader = try DataLoader(data, batchSize: batchSize, shuffle: true, seed: seed, epoch: epoch,
                                        mean: normalization.mean, std: normalization.std)
            let r = try Trainer.trainEpoch(model, loader: loader, optimizer: optimizer, schedule: schedule, step: &step,
                                           labelSmoothing: labelSmoothing, clipNorm: clipNorm, epoch: epoch, epochs: epochs,
                                           extraLoss: extraLoss, progress: progress)
            results.append(r)
            try epochDone?(epoch, r)
        }
        return results
    }
}
