import Foundation

/// Per-epoch checkpoints of a dense training (`prune train --resume`, and the training a recipe does
/// when its weights are missing) or of the fine-tuning after structured pruning: the model and
/// optimizer after each epoch, so a killed run resumes at the last finished epoch and ends with the
/// same weights as an uninterrupted one.
public struct TrainingCheckpoints {
    /// The checkpoint file; nil disables checkpoints.
    public let path: String?
    public let fingerprint: String
    public let resume: Bool

    /// Optimizer steps per epoch (a method's state is restored at the step the run continues from).
    public var stepsPerEpoch = 0

    public init(path: String?, resume: Bool, fingerprint: String) {
        self.path = path; self.fingerprint = fingerprint; self.resume = resume
    }

    /// Restores a saved training when resuming; returns where it stopped (epochs done, and batches
    /// done in the next epoch when it was stopped mid-epoch).
    /// `state` is a training method's own state, restored at the saved step.
    public func start(model: any Module, optimizer: any Optimizer, state: (any CheckpointedState)? = nil,
                      log: any JobLog) throws -> TrainingPosition {
        guard let path, JobCheckpoint.shouldResume(from: path, resume: resume, log: log) else {
            return TrainingPosition()
        }
        let checkpoint = try JobCheckpoint.read(path, fingerprint: fingerprint)
        try optimizer.loadState(try checkpoint.restore(into: model))
        if let state {
            try state.restore(checkpoint.methodState, atStep: checkpoint.epoch * stepsPerEpoch + checkpoint.batch)
        }
        log.info("resuming from \(path): \(checkpoint.epoch) epoch(s)"
                 + (checkpoint.batch > 0 ? " and \(checkpoint.batch) batches" : "") + " done")
        return TrainingPosition(epoch: checkpoint.epoch, batch: checkpoint.batch)
    }

    /// Restores a saved fine-tuning when resuming: the epochs (and batches of the next) done, the
    /// optimizer's state and the partial epoch's loss then (the optimizer is made inside ``FineTuner``).
    public func fineTuningResume(model: any Module, log: any JobLog) throws -> FineTuningResume? {
        guard JobCheckpoint.shouldResume(from: path, resume: resume, log: log), let path else { return nil }
        let checkpoint = try JobCheckpoint.read(path, fingerprint: fingerprint)
        let optimizerState = try checkpoint.restore(into: model)
        var partial = (lossSum: Float(0), seen: 0)
        if checkpoint.batch > 0 {
            guard let w = checkpoint.methodState.words[Self.partialLossKey], w.count == 2,
                  let bits = UInt32(exactly: w[0]) else {
                throw JobError("\(path) was saved mid-epoch without the epoch's partial loss")
            }
            partial = (Float(bitPattern: bits), Int(w[1]))
        }
        log.info("resuming from \(path): \(checkpoint.epoch) epoch(s)"
                 + (checkpoint.batch > 0 ? " and \(checkpoint.batch) batches" : "") + " done")
        return FineTuningResume(epoch: checkpoint.epoch, optimizerState: optimizerState, batch: checkpoint.batch,
                                lossSum: partial.lossSum, seen: partial.seen)
    }

    static let partialLossKey = "fine-tuning-partial-loss"

    /// Saves a fine-tuning stopped mid-epoch (a stop request): the model, the optimizer state, the position
    /// and the partial epoch's loss.
    public func save(stoppedFineTuning stop: FineTuningResume, model: any Module) throws {
        guard let path else { return }
        var checkpoint = JobCheckpoint(fingerprint: fingerprint, model: model, optimizerState: stop.optimizerState)
        checkpoint.add(CheckpointedValues(words: [Self.partialLossKey: [UInt64(stop.lossSum.bitPattern),
                                                                         UInt64(stop.seen)]]))
        checkpoint.epoch = stop.epoch
        checkpoint.batch = stop.batch
        try checkpoint.write(to: path)
    }

    /// Saves the state after `epochsDone` epochs; `written` runs after the file is in place.
    public func save(epochsDone: Int, model: any Module, optimizer: any Optimizer,
                     state: (any CheckpointedState)? = nil, written: ((String) throws -> Void)? = nil) throws {
        try save(at: TrainingPosition(epoch: epochsDone), model: model, optimizer: optimizer, state: state,
                 written: written)
    }

    /// Saves the state at `position` (a stop request mid-epoch saves the batches done too).
    public func save(at position: TrainingPosition, model: any Module, optimizer: any Optimizer,
                     state: (any CheckpointedState)? = nil, written: ((String) throws -> Void)? = nil) throws {
        guard let path else { return }
        var checkpoint = JobCheckpoint(fingerprint: fingerprint, model: model, optimizerState: optimizer.stateTensors())
        if let state { checkpoint.add(state.checkpointValues()) }
        checkpoint.epoch = position.epoch
        checkpoint.batch = position.batch
        try checkpoint.write(to: path)
        try written?(path)
    }

    /// Removes the checkpoint once the training has finished and its result is saved.
    public func finish() {
        if let path { try? FileManager.default.removeItem(atPath: path) }
    }
}
