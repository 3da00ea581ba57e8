import Foundation

/// Where a training-time method's run keeps its checkpoints, so that a killed or stopped run continues
/// where it was (`<out>.resume/`): one file per training, named after it (`training.safetensors` for a
/// method that trains once; a lottery-ticket search's `round-K-ticket.safetensors` and its controls'
/// files, beside its rounds' progress, ``LotteryCheckpointFolder``). Each file is a
/// ``TrainingCheckpoints`` file written after every epoch and on a stop request; the folder is removed
/// once the run's result is saved.
public struct TrainingMethodCheckpoints: Sendable {
    public let folder: String
    /// What a resumed run must agree with (model, method, budget, seed, data, threads).
    public let fingerprint: String
    /// Continue from the files found (otherwise an old folder is removed first, ``prepare(log:)``).
    public let resume: Bool

    public init(folder: String, fingerprint: String, resume: Bool) {
        self.folder = folder; self.fingerprint = fingerprint; self.resume = resume
    }

    /// The name of the training of a method that trains once.
    public static let singleTraining = "training"

    /// The checkpoints of the training called `name`.
    public func training(_ name: String) -> TrainingCheckpoints {
        TrainingCheckpoints(path: "\(folder)/\(name).safetensors", resume: resume,
                            fingerprint: fingerprint + "|" + name)
    }

    /// The rounds of a lottery-ticket search.
    public var lottery: LotteryCheckpointFolder { LotteryCheckpointFolder(path: folder, fingerprint: fingerprint) }

    /// Makes the folder before the run; without `resume` an old one is removed first, with it `log` says
    /// whether there is one to continue.
    public func prepare(log: any JobLog) throws {
        let exists = FileManager.default.fileExists(atPath: folder)
        if exists, !resume {
            log.info("a checkpoint exists at \(folder); starting over (--resume would continue it)")
            finish()
        } else if resume {
            log.info(exists ? "resuming from \(folder)" : "no checkpoint at \(folder): starting from the beginning")
        }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    /// Removes the folder (the run finished and its result is saved).
    public func finish() { try? FileManager.default.removeItem(atPath: folder) }
}
