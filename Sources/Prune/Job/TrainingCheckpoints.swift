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

    public init(path: String?, resume: Bool, fingerprint: String) {
        self.path = path; self.fingerprint = fingerprint; self.resume = resume
    }

    /// Restores a saved training when resuming; returns the number of epochs already done.
    public func start(model: any Module, optimizer: any Optimizer, log: any JobLog) throws -> Int {
        guard let saved = try restore(into: model, log: log) else { return 0 }
        try optimizer.loadState(saved.optimizerState)
        return saved.epoch
    }

    /// Restores a saved fine-tuning when resuming: the epochs done and the optimizer's state then
    /// (the optimizer is made inside ``FineTuner``).
    public func fineTuningResume(model: any Module, log: any JobLog) throws -> FineTuningResume? {
        try restore(into: model, log: log)
    }

    private func restore(into model: any Module, log: any JobLog) throws -> FineTuningResume? {
        guard JobCheckpoint.shouldResume(from: path, resume: resume, log: log), let path else { return nil }
        let checkpoint = try JobCheckpoint.read(path, fingerprint: fingerprint)
        let optimizerState = try checkpoint.restore(into: model)
        log.info("resuming from \(path): \(checkpoint.epoch) epoch(s) done")
        return FineTuningResume(epoch: checkpoint.epoch, optimizerState: optimizerState)
    }

    /// Saves the state after `epochsDone` epochs; `written` runs after the file is in place.
    public func save(epochsDone: Int, model: any Module, optimizer: any Optimizer,
                     written: ((String) throws -> Void)? = nil) throws {
        guard let path else { return }
        var checkpoint = JobCheckpoint(fingerprint: fingerprint, model: model, optimizerState: optimizer.stateTensors())
        checkpoint.epoch = epochsDone
        try checkpoint.write(to: path)
        try written?(path)
    }

    /// Removes the checkpoint once the training has finished and its result is saved.
    public func finish() {
        if let path { try? FileManager.default.removeItem(atPath: path) }
    }
}
