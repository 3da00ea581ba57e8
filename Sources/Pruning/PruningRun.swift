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
    let checkpoints: RunCheckpointSink?
    var journal = RunJournal()
    var insideFineTuning = false

    init(model: any Module, plan: PruningPlan, data: PruningData, teacher: (any Module)?,
         log: ((String) -> Void)?, checkpoints: RunCheckpointSink? = nil, resumption: RunResumption? = nil) throws {
        self.model = model; self.plan = plan; self.data = data; self.teacher = teacher; self.logger = log
        self.checkpoints = checkpoints
        if let resumption {
            journal.replay = resumption.journal
            journal.restore = resumption.restore
        }
        targets = try plan.scope.targets(in: model)
        denseAccuracy = try evaluate()
    }

    /// The operations done so far (replayed ones included).
    public var recordedOperations: [RunJournalEntry] { journal.recorded }

    /// The mean training loss of every fine-tuning epoch so far, in order across rounds (replayed ones
    /// included), numbered from 1.
    public var fineTuningCurve: [FineTuningEpoch] {
        var epochs: [FineTuningEpoch] = []
        for case .fineTuneEpoch(let loss) in journal.recorded {
            if let loss { epochs.append(FineTuningEpoch(epoch: epochs.count + 1, loss: loss)) }
        }
        return epochs
    }

    /// Records a finished top-level operation and saves a checkpoint (inside fine-tuning, only epoch
    /// ends are checkpoints).
    func record(_ entry: RunJournalEntry) throws {
        journal.recorded.append(entry)
        if !insideFineTuning { try checkpoints?.save(journal: journal.recorded, optimizerState: nil, model: model) }
    }

    /// The sparsity the run must end at.
    public var targetSparsity: Double { plan.effectiveSparsity }
    /// Optimizer steps in one fine-tuning epoch.
    public var stepsPerEpoch: Int { (data.train.count + plan.fineTuning.batchSize - 1) / plan.fineTuning.batchSize }

    /// Writes a progress line.
    public func log(_ line: String) { logger?(line) }

    /// Test-set accuracy of the model now.
    public func evaluate() throws -> Double {
        if journal.isReplaying {
            if case .evaluate(let accuracy) = try journal.next("an evaluation", matches: {
                if case .evaluate = $0 { true } else { false }
            }) { return accuracy }
        }
        let loader = try DataLoader(data.test, batchSize: 500, mean: data.normalization.mean,
                                    std: data.normalization.std)
        let accuracy = Double(try Trainer.evaluate(model, loader: loader).requireFinite().accuracy)
        try record(.evaluate(accuracy: accuracy))
        return accuracy
    }

    /// Calibrates (when the criterion needs data), scores and masks the targets at `sparsity`.
    public func prune(to sparsity: Double) throws {
        if journal.isReplaying {
            _ = try journal.next("pruning to \(sparsity)") {
                if case .prune(let s) = $0 { abs(s - sparsity) < 1e-12 } else { false }
            }
            return
        }
        let ft = plan.fineTuning
        let loader = try DataLoader(data.train, batchSize: ft.batchSize, shuffle: true, seed: ft.seed &+ 7,
                                    mean: data.normalization.mean, std: data.normalization.std)
        let stats = try Calibration.collect(model: model, targets: targets,
                                            needs: plan.criterion.needs + plan.scope.needs, loader: loader,
                                            batches: plan.calibrationBatches,
                                            settings: CalibrationSettings(seed: ft.seed, probes: plan.hessianProbes,
                                                                          movementLearningRate: ft.learningRate * ft.learningRateMultiplier))
        let masks = try MaskBuilder.masks(targets: targets, criterion: plan.criterion, statistics: stats,
                                          pattern: plan.pattern, scope: plan.scope, sparsity: sparsity)
        for t in targets { t.parameter.mask = Tensor(unchecked: t.shape, masks[t.path]!) }
        try record(.prune(sparsity: sparsity))
    }

    /// Fine-tunes `epochs` epochs with the plan's options; `afterStep` runs after every optimizer step.
    /// A resumed run replays the epochs its checkpoint recorded (calling `afterStep` for their steps,
    /// so operations inside them replay too), then continues training from the restored state — mid-epoch
    /// when a stop request saved the run there (with a checkpoint sink, a stop request inside an epoch
    /// saves the position and ends the run with ``TrainingStopped``).
    public func fineTune(epochs: Int, afterStep: ((Int) throws -> Void)? = nil) throws {
        insideFineTuning = true
        defer { insideFineTuning = false }
        var done = 0, resume: FineTuningResume?
        while done < epochs, journal.isReplaying {
            if let stop = journal.stopInCurrentEpoch {
                resume = try replayStoppedEpoch(done, stop: stop, afterStep: afterStep)
                break
            }
            for s in 0..<stepsPerEpoch { try afterStep?(done * stepsPerEpoch + s + 1) }
            _ = try journal.next("a fine-tuning epoch") { if case .fineTuneEpoch = $0 { true } else { false } }
            done += 1
        }
        guard done < epochs else { return }
        if resume == nil, done > 0 {
            resume = FineTuningResume(epoch: done, optimizerState: journal.restoredOptimizerState ?? [:])
        }
        _ = try FineTuner.run(model, data: data.train, normalization: data.normalization, options: plan.fineTuning,
                              epochs: epochs, teacher: teacher, afterStep: afterStep, resume: resume,
                              epochDone: { [self] _, optimizer, loss in
            journal.recorded.append(.fineTuneEpoch(loss: loss))
            try checkpoints?.save(journal: journal.recorded, optimizerState: optimizer.stateTensors(), model: model)
        }, stopped: checkpoints.map { sink in { [self] stop in
            let marker = RunJournalEntry.fineTuneStopped(batch: stop.batch, lossSum: Double(stop.lossSum),
                                                         seen: stop.seen)
            try sink.save(journal: journal.recorded + [marker], optimizerState: stop.optimizerState, model: model)
        } })
    }

    /// Replays the first `stop.batch` steps of epoch `epoch` (the operations inside them) and the stop entry
    /// (which restores the saved state); where fine-tuning continues.
    private func replayStoppedEpoch(_ epoch: Int, stop: (batch: Int, lossSum: Double, seen: Int),
                                    afterStep: ((Int) throws -> Void)?) throws -> FineTuningResume {
        for s in 0..<stop.batch { try afterStep?(epoch * stepsPerEpoch + s + 1) }
        _ = try journal.next("a stopped fine-tuning epoch") {
            if case .fineTuneStopped = $0 { true } else { false }
        }
        journal.recorded.removeLast()
        return FineTuningResume(epoch: epoch, optimizerState: journal.restoredOptimizerState ?? [:],
                                batch: stop.batch, lossSum: Float(stop.lossSum), seen: stop.seen)
    }
}
