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
    /// Runs around every optimizer step (training-time pruning methods).
    public var hook: (any TrainingHook)?

    public init(epochs: Int, batchSize: Int, seed: UInt64, normalization: (mean: Float, std: Float)) {
        self.epochs = epochs; self.batchSize = batchSize; self.seed = seed; self.normalization = normalization
    }

    /// Optimizer steps of the whole run on `count` examples.
    public func totalSteps(examples count: Int) -> Int { epochs * ((count + batchSize - 1) / batchSize) }

    /// Trains `model` on `data`; `epochDone` sees each epoch's result as it ends. `start` resumes a
    /// run whose model and optimizer were restored at that point (the step counter and the shuffling
    /// continue as if the run had not stopped). With `stopped`, a ``StopRequest`` (SIGTERM) is honoured
    /// after the step in progress: `stopped` saves the position reached, and ``TrainingStopped`` is thrown.
    public func run(_ model: any Module, data: LabeledImages, optimizer: any Optimizer,
                    schedule: (any LearningRateSchedule)?, start: TrainingPosition = TrainingPosition(),
                    progress: ((TrainingProgress) -> Void)? = nil,
                    epochDone: ((Int, EpochResult) throws -> Void)? = nil,
                    stopped: ((TrainingPosition) throws -> Void)? = nil) throws -> [EpochResult] {
        let perEpoch = (data.count + batchSize - 1) / batchSize
        var step = start.epoch * perEpoch + start.batch
        var results: [EpochResult] = []
        for epoch in start.epoch..<max(start.epoch, epochs) {
            let loader = try DataLoader(data, batchSize: batchSize, shuffle: true, seed: seed, epoch: epoch,
                                        mean: normalization.mean, std: normalization.std)
            let stopCheck: ((Int) throws -> Void)? = stopped.map { save in { done in
                guard done < perEpoch, StopRequest.isRequested else { return }
                try save(TrainingPosition(epoch: epoch, batch: done))
                throw TrainingStopped(position: TrainingPosition(epoch: epoch, batch: done))
            } }
            let r = try Trainer.trainEpoch(model, loader: loader, optimizer: optimizer, schedule: schedule,
                                           step: &step, labelSmoothing: labelSmoothing, clipNorm: clipNorm,
                                           epoch: epoch, epochs: epochs, extraLoss: extraLoss, progress: progress,
                                           skipBatches: epoch == start.epoch ? start.batch : 0, hook: hook,
                                           afterBatch: stopCheck)
            results.append(r)
            try epochDone?(epoch, r)
            if let stopped, StopRequest.isRequested, epoch + 1 < epochs {
                try stopped(TrainingPosition(epoch: epoch + 1, batch: 0))
                throw TrainingStopped(position: TrainingPosition(epoch: epoch + 1, batch: 0))
            }
        }
        return results
    }
}

/// Where a training run stands: `batch` batches done in epoch `epoch` (0 at an epoch's start).
public struct TrainingPosition: Sendable, Equatable {
    public var epoch: Int
    public var batch: Int
    public init(epoch: Int = 0, batch: Int = 0) { self.epoch = epoch; self.batch = batch }
}

/// Thrown by ``TrainingLoop/run`` when it stopped on a ``StopRequest`` after saving its position.
public struct TrainingStopped: Error, CustomStringConvertible {
    public let position: TrainingPosition
    /// Where the checkpoint was saved, when the job that catches this does not know it (a recipe's dense
    /// training saves beside the weights, not the output).
    public var checkpoint: String?
    public init(position: TrainingPosition) { self.position = position }
    public var description: String {
        "stopped on request after batch \(position.batch) of epoch \(position.epoch + 1); the checkpoint is saved"
    }
}
