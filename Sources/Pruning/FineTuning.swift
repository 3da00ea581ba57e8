import PruneAutodiff
import PruneNN
import PruneTensor

/// How pruned models are fine-tuned.
public struct FineTuningOptions: Sendable {
    /// Epochs of fine-tuning after a one-shot prune (per round for iterative, in total for gradual).
    public var epochs: Int
    /// The base learning rate of the optimizer (Adam).
    public var learningRate: Float
    /// Multiplier on the base rate while fine-tuning (0.1× by default, the usual choice).
    public var learningRateMultiplier: Float
    /// Distil from the dense model: loss = (1 − weight)·CE + weight·T²·KL(teacher ‖ student) at `temperature`.
    public var distillation: (weight: Float, temperature: Float)?
    /// Batch size.
    public var batchSize: Int
    /// Seed of the shuffling.
    public var seed: UInt64

    public init(epochs: Int = 1, learningRate: Float = 1e-3, learningRateMultiplier: Float = 0.1,
                distillation: (weight: Float, temperature: Float)? = nil, batchSize: Int = 64, seed: UInt64 = 0) {
        self.epochs = epochs; self.learningRate = learningRate; self.learningRateMultiplier = learningRateMultiplier
        self.distillation = distillation; self.batchSize = batchSize; self.seed = seed
    }
}

/// The fine-tuning loop: masked weights stay zero (masks apply in forward and to gradients), an
/// optional teacher distils, and a hook runs after every optimizer step (gradual pruning uses it).
public enum FineTuner {
    public static func run(_ model: any Module, data: LabeledImages, normalization: (mean: Float, std: Float),
                           options: FineTuningOptions, epochs: Int, teacher: (any Module)?, stepOffset: Int = 0,
                           afterStep: ((Int) throws -> Void)? = nil,
                           progress: ((Int, Int, Float) -> Void)? = nil,
                           resume: FineTuningResume? = nil,
                           epochDone: ((Int, any Optimizer, Double) throws -> Void)? = nil,
                           stopped: ((FineTuningResume) throws -> Void)? = nil) throws -> Int {
        let params = model.parameters().map(\.parameter)
        let optimizer = Adam(params, learningRate: options.learningRate * options.learningRateMultiplier)
        let startEpoch = resume?.epoch ?? 0
        if let resume { try optimizer.loadState(resume.optimizerState) }
        let perEpoch = (data.count + options.batchSize - 1) / options.batchSize
        var step = stepOffset + startEpoch * perEpoch + (resume?.batch ?? 0)
        teacher?.eval()
        for epoch in startEpoch..<max(startEpoch, epochs) {
            model.train()
            let loader = try DataLoader(data, batchSize: options.batchSize, shuffle: true, seed: options.seed,
                                        epoch: epoch,
                                        mean: normalization.mean, std: normalization.std)
            let resumed = epoch == startEpoch ? resume : nil
            var lossSum: Float = resumed?.lossSum ?? 0, seen = resumed?.seen ?? 0
            for (b, batch) in loader.enumerated() where b >= (resumed?.batch ?? 0) {
                for p in params { p.zeroGrad() }
                let logits = try model.forward(Variable(batch.images))
                var loss = try Loss.crossEntropy(logits, labels: batch.labels)
                if let d = options.distillation, let teacher {
                    let t = try withNoGrad { try teacher.forward(Variable(batch.images)).value }
                    loss = try loss * (1 - d.weight) + (try Loss.distillation(student: logits, teacher: t,
                                                                              temperature: d.temperature)) * d.weight
                }
                try TrainingDiverged.check(loss: loss.value.item, logits: logits.value, run: "fine-tuning",
                                           epoch: epoch,
                                           batch: b, updates: step - stepOffset)
                try loss.backward()
                optimizer.step()
                step += 1
                lossSum += loss.value.item * Float(batch.labels.count); seen += batch.labels.count
                try afterStep?(step)
                progress?(epoch + 1, epochs, lossSum / Float(max(seen, 1)))
                if let stopped, StopRequest.isRequested, b + 1 < perEpoch {
                    try stopped(FineTuningResume(epoch: epoch, optimizerState: optimizer.stateTensors(), batch: b + 1,
                                                 lossSum: lossSum, seen: seen))
                    throw TrainingStopped(position: TrainingPosition(epoch: epoch, batch: b + 1))
                }
            }
            try epochDone?(epoch, optimizer, Double(lossSum) / Double(max(seen, 1)))
            if stopped != nil, StopRequest.isRequested, epoch + 1 < epochs {
                throw TrainingStopped(position: TrainingPosition(epoch: epoch + 1, batch: 0))
            }
        }
        return step
    }
}

/// Where an interrupted fine-tuning continues: after `epoch` completed epochs and `batch` batches of the
/// next (a stop request mid-epoch), with the optimizer's state and the partial epoch's loss sum then.
public struct FineTuningResume {
    public var epoch: Int
    public var optimizerState: [String: Tensor]
    public var batch: Int
    /// Σ loss × examples and examples over the `batch` batches done (the epoch's mean loss needs them).
    public var lossSum: Float
    public var seen: Int
    public init(epoch: Int, optimizerState: [String: Tensor], batch: Int = 0, lossSum: Float = 0, seen: Int = 0) {
        self.epoch = epoch; self.optimizerState = optimizerState; self.batch = batch; self.lossSum = lossSum
        self.seen = seen
    }
}
