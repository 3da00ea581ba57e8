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
                           epochDone: ((Int, any Optimizer, Double) throws -> Void)? = nil) throws -> Int {
        let params = model.parameters().map(\.parameter)
        let optimizer = Adam(params, learningRate: options.learningRate * options.learningRateMultiplier)
        let startEpoch = resume?.epoch ?? 0
        if let resume { try optimizer.loadState(resume.optimizerState) }
        var step = stepOffset + startEpoch * ((data.count + options.batchSize - 1) / options.batchSize)
        teacher?.eval()
        for epoch in startEpoch..<max(startEpoch, epochs) {
            model.train()
            let loader = try DataLoader(data, batchSize: options.batchSize, shuffle: true, seed: options.seed,
                                        epoch: epoch,
                                        mean: normalization.mean, std: normalization.std)
            var lossSum: Float = 0, seen = 0
            for (b, batch) in loader.enumerated() {
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
            }
            try epochDone?(epoch, optimizer, Double(lossSum) / Double(max(seen, 1)))
        }
        return step
    }
}

/// Where an interrupted fine-tuning continues: after `epoch` completed epochs, with the optimizer's state then.
public struct FineTuningResume {
    public var epoch: Int
    public var optimizerState: [String: Tensor]
    public init(epoch: Int,
                optimizerState: [String: Tensor]) { self.epoch = epoch; self.optimizerState = optimizerState }
}
