import Foundation

/// Block-by-block one-shot checkpoints (``OneShotCheckpoints``) in a folder beside the job's output
/// (`<out>.resume/`): `block-N.safetensors` with block N's pruned weights, written once each, and
/// `progress.safetensors` with the hidden states entering the next block, the blocks done, the
/// layers' results and the job's fingerprint, rewritten after every block. Each file is written
/// atomically, the block's before the progress that counts it. Removed when the job has finished.
public final class OneShotCheckpointFolder: OneShotCheckpoints {
    public let path: String
    public let fingerprint: String
    public let resume: Bool
    let log: any JobLog
    /// Runs after each block's checkpoint is in place (a hook for progress and for tests of resuming).
    public var written: ((Int) throws -> Void)?

    public init(path: String, fingerprint: String, resume: Bool, log: any JobLog = SilentLog()) {
        self.path = path; self.fingerprint = fingerprint; self.resume = resume; self.log = log
    }

    var progressFile: String { path + "/progress.safetensors" }
    func blockFile(_ b: Int) -> String { path + "/block-\(b).safetensors" }

    public func saved() throws -> OneShotProgress? {
        guard JobCheckpoint.shouldResume(from: progressFile, resume: resume, log: log) else {
            try? FileManager.default.removeItem(atPath: path)
            return nil
        }
        let state = try Safetensors.read(progressFile)
        guard state.metadata["prune.checkpoint"] == "oneshot", let saved = state.metadata["fingerprint"],
              let done = state.metadata["blocks"].flatMap(Int.init), done >= 0,
              let results = try? JSONDecoder().decode([OneShotLayerResult].self,
                                                      from: Data((state.metadata["results"] ?? "").utf8)) else {
            throw JobError("\(progressFile) is not a Prune one-shot checkpoint")
        }
        try JobCheckpoint.checkSameJob(path, saved: saved, expected: fingerprint)
        let hidden = try (0..<state.tensors.count).map { i in
            guard let t = state.tensors["hidden/\(i)"] else { throw JobError("\(progressFile) lacks hidden/\(i)") }
            return t
        }
        var weights: [String: Tensor] = [:]
        for b in 0..<done { weights.merge(try Safetensors.read(blockFile(b)).tensors) { a, _ in a } }
        log.info("resuming from \(path): \(done) block(s) done")
        return OneShotProgress(blocksDone: done, results: results, hidden: hidden, weights: weights)
    }

    public func save(blocksDone: Int, results: [OneShotLayerResult], hidden: [Tensor],
                     blockWeights: [String: Tensor]) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Safetensors.write(StateDict(blockWeights, metadata: [:]), to: blockFile(blocksDone - 1))
        var tensors: [String: Tensor] = [:]
        for (i, h) in hidden.enumerated() { tensors["hidden/\(i)"] = h }
        let resultsJSON = String(decoding: try JSONEncoder().encode(results), as: UTF8.self)
        let metadata = ["prune.checkpoint": "oneshot", "fingerprint": fingerprint, "blocks": String(blocksDone),
                        "results": resultsJSON]
        try Safetensors.write(StateDict(tensors, metadata: metadata), to: progressFile)
        try written?(blocksDone)
    }

    /// Removes the folder once the job has finished and its outputs are written.
    public func finish() { try? FileManager.default.removeItem(atPath: path) }
}
