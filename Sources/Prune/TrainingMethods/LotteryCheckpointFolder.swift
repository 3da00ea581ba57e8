import Foundation

/// Where a lottery-ticket search keeps its progress so a killed run continues after its last finished
/// round (`<out>.resume/`): `rewind.safetensors` once, `weights-K.safetensors` and `masks-K.safetensors`
/// after round K, and `progress.json` (the fingerprint and the rounds), written last, which names the
/// round the folder holds. Older rounds' files are removed once the newer ones are in place; the folder
/// is removed when the search finishes. The trainings inside a round keep their own checkpoints in the
/// same folder (``TrainingMethodCheckpoints/training(_:)``, named by ``LotteryTraining``); a finished
/// round's are removed with the older round's files.
public struct LotteryCheckpointFolder {
    public let path: String
    /// What a resumed run must agree with: model, settings, budget, seed, data and threads.
    public let fingerprint: String

    struct Progress: Codable {
        let fingerprint: String
        let rounds: [LotteryRound]
    }

    public init(path: String, fingerprint: String) { self.path = path; self.fingerprint = fingerprint }

    /// Saves the state after a round.
    public func save(_ progress: LotteryProgress) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let k = progress.rounds.count - 1
        if k == 0 { try Safetensors.write(StateDict(progress.rewind), to: "\(path)/rewind.safetensors") }
        try Safetensors.write(StateDict(progress.weights), to: "\(path)/weights-\(k).safetensors")
        try Safetensors.write(StateDict(progress.masks), to: "\(path)/masks-\(k).safetensors")
        let json = try JSONEncoder().encode(Progress(fingerprint: fingerprint, rounds: progress.rounds))
        try AtomicFile.write(json, to: "\(path)/progress.json")
        var done = LotteryTraining.all(inRound: k).map(\.name)
        if k > 0 { done += ["weights-\(k - 1)", "masks-\(k - 1)"] }
        for old in done { try? FileManager.default.removeItem(atPath: "\(path)/\(old).safetensors") }
    }

    /// The saved state, nil when there is none; a state saved by a different search is an error.
    public func load() throws -> LotteryProgress? {
        guard let data = FileManager.default.contents(atPath: "\(path)/progress.json") else { return nil }
        let saved: Progress
        do { saved = try JSONDecoder().decode(Progress.self, from: data) } catch {
            throw JobError("\(path)/progress.json is not a lottery checkpoint: \(error)")
        }
        guard saved.fingerprint == fingerprint else {
            throw JobError("the checkpoint in \(path) was written by a different search (\(saved.fingerprint)); "
                           + "remove it, or run the same command")
        }
        let k = saved.rounds.count - 1
        return LotteryProgress(rounds: saved.rounds,
                               weights: try Safetensors.read("\(path)/weights-\(k).safetensors").tensors,
                               masks: try Safetensors.read("\(path)/masks-\(k).safetensors").tensors,
                               rewind: try Safetensors.read("\(path)/rewind.safetensors").tensors)
    }

    /// Removes the folder (the search finished).
    public func finish() { try? FileManager.default.removeItem(atPath: path) }
}
