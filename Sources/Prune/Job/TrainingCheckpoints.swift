import Foundation

/// Per-epoch checkpoints of a dense training (`prune train --resume`, and the training a recipe does
/// when its weights are missing): the model and optimizer after each epoch, so a killed run resumes
/// at the last finished epoch and ends with the same weights as an uninterrupted one.
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
        guard JobCheckpoint.shouldResume(from: path, resume: resume, log: log), let path else { return 0 }
        let checkpoint = try JobCheckpoint.read(path, fingerprint: fingerprint)
        try optimizer.loadState(try checkpoint.restore(into: model))
        log.info("resuming from \(path): \(checkpoint.epoch) epoch(s) done")
        return checkpoint.epoch
    }

    /// Saves the state after `epochsDone` epochs.
    public func save(epochsDone: Int, model: any Module, optimizer: any Optimizer) throws {
        guard let path else { return }
        var checkpoint = JobCheckpoint(fingerprint: fingerprint, model: model, optimizerState: optimizer.stateTensors())
        checkpoint.epoch = epochsDone
        try checkpoint.write(to: path)
    }

    /// Removes the checkpoint once the training has finished and its result is saved.
    public func finish() {
        if let path { try? FileManager.default.removeItem(atPath: path) }
    }
}
