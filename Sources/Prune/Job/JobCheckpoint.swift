import Foundation

/// The saved state of a long job at a safe point (a training epoch, a pruning operation, a
/// fine-tuning epoch): the model's raw parameter values, masks and buffers, the optimizer's state,
/// the completed training epochs or the pruning run's journal, and a fingerprint of the job so a
/// checkpoint is never resumed by a different one. Stored as safetensors beside the job's output
/// (`<output>.resume`), written atomically, removed when the job finishes.
public struct JobCheckpoint {
    public static let suffix = ".resume"

    public var fingerprint: String
    public var tensors: [String: Tensor] = [:]
    /// Training epochs completed (training checkpoints).
    public var epoch = 0
    /// Batches completed in the next epoch, when a stop request saved the run mid-epoch.
    public var batch = 0
    /// The pruning run's operations so far (pruning checkpoints).
    public var journal: [RunJournalEntry] = []
    /// The generators of layers that draw random numbers (dropout), by module path.
    public var generators: [String: [UInt64]] = [:]

    /// The state of `model` (and `optimizer`) now.
    public init(fingerprint: String, model: any Module, optimizerState: [String: Tensor]?) {
        self.fingerprint = fingerprint
        for (path, p) in model.parameters() {
            tensors["param/" + path] = p.value
            if let m = p.mask { tensors["mask/" + path] = m }
        }
        for (path, b) in model.buffers() { tensors["buffer/" + path] = b.value }
        for (name, t) in optimizerState ?? [:] { tensors["optimizer/" + name] = t }
        for (path, module) in model.namedModules() {
            if let layer = module as? RandomizedLayer { generators[path] = layer.generator.savedState }
        }
    }

    init(fingerprint: String, tensors: [String: Tensor], epoch: Int, journal: [RunJournalEntry],
         generators: [String: [UInt64]]) {
        self.fingerprint = fingerprint; self.tensors = tensors; self.epoch = epoch; self.journal = journal
        self.generators = generators
    }

    /// Whether a job continues from the checkpoint at `path`: only with `resume` and when one exists;
    /// `log` says which way it goes.
    public static func shouldResume(from path: String?, resume: Bool, log: any JobLog) -> Bool {
        guard let path, FileManager.default.fileExists(atPath: path) else {
            if resume { log.info("no checkpoint\(path.map { " at \($0)" } ?? ""): starting from the beginning") }
            return false
        }
        if !resume { log.info("a checkpoint exists at \(path); starting over (--resume would continue it)") }
        return resume
    }

    /// Writes the checkpoint atomically.
    public func write(to path: String) throws {
        let journalJSON = String(decoding: try JSONEncoder().encode(journal), as: UTF8.self)
        let generatorsJSON = String(decoding: try JSONEncoder().encode(generators.mapValues { $0.map { String($0) } }),
                                    as: UTF8.self)
        let metadata = ["prune.checkpoint": "1", "fingerprint": fingerprint, "epoch": String(epoch),
                        "batch": String(batch), "journal": journalJSON, "generators": generatorsJSON]
        try Safetensors.write(StateDict(tensors, metadata: metadata), to: path)
    }

    /// Reads a checkpoint; an error when it belongs to another job.
    public static func read(_ path: String, fingerprint: String) throws -> JobCheckpoint {
        let state = try Safetensors.read(path)
        guard state.metadata["prune.checkpoint"] == "1", let saved = state.metadata["fingerprint"],
              let epoch = state.metadata["epoch"].flatMap(Int.init),
              let journal = try? JSONDecoder().decode([RunJournalEntry].self,
                                                      from: Data((state.metadata["journal"] ?? "").utf8)) else {
            throw JobError("\(path) is not a Prune checkpoint")
        }
        try checkSameJob(path, saved: saved, expected: fingerprint)
        let words = try? JSONDecoder().decode([String: [String]].self,
                                              from: Data((state.metadata["generators"] ?? "{}").utf8))
        guard let generators = words?.mapValues({ $0.compactMap(UInt64.init) }) else {
            throw JobError("\(path) is not a Prune checkpoint (bad generator states)")
        }
        guard let batch = Int(state.metadata["batch"] ?? "0"), batch >= 0 else {
            throw JobError("\(path) is not a Prune checkpoint (bad batch count)")
        }
        var checkpoint = JobCheckpoint(fingerprint: saved, tensors: state.tensors, epoch: epoch, journal: journal,
                                       generators: generators)
        checkpoint.batch = batch
        return checkpoint
    }

    /// Refuses a checkpoint at `path` whose saved fingerprint is not this job's.
    static func checkSameJob(_ path: String, saved: String, expected: String) throws {
        guard saved == expected else {
            throw JobError("\(path) was written by a different job (\(saved)); this one is \(expected). "
                           + "Run it with the same settings and --threads, or delete the checkpoint")
        }
    }

    /// Adds a training method's state (tensors and words under `state/`).
    public mutating func add(_ values: CheckpointedValues) {
        for (k, t) in values.tensors { tensors["state/" + k] = t }
        for (k, w) in values.words { generators["state/" + k] = w }
    }

    /// The training method's state saved by ``add(_:)``.
    public var methodState: CheckpointedValues {
        var v = CheckpointedValues()
        for (k, t) in tensors where k.hasPrefix("state/") { v.tensors[String(k.dropFirst(6))] = t }
        for (k, w) in generators where k.hasPrefix("state/") { v.words[String(k.dropFirst(6))] = w }
        return v
    }

    /// Puts the saved values, masks and buffers back into `model`; returns the optimizer state.
    public func restore(into model: any Module) throws -> [String: Tensor] {
        for (path, p) in model.parameters() {
            guard let v = tensors["param/" + path], v.shape == p.shape else {
                throw JobError("the checkpoint has no parameter \(path) of shape \(p.shape)")
            }
            p.value = v
            p.mask = tensors["mask/" + path]
        }
        for (path, b) in model.buffers() {
            guard let v = tensors["buffer/" + path], v.shape == b.value.shape else {
                throw JobError("the checkpoint has no buffer \(path) of shape \(b.value.shape)")
            }
            b.value = v
        }
        for (path, module) in model.namedModules() {
            guard let layer = module as? RandomizedLayer else { continue }
            guard let words = generators[path], let g = RandomGenerator(savedState: words) else {
                throw JobError("the checkpoint has no random generator state for \(path)")
            }
            layer.generator = g
        }
        var optimizer: [String: Tensor] = [:]
        for (name, t) in tensors where name.hasPrefix("optimizer/") { optimizer[String(name.dropFirst(10))] = t }
        return optimizer
    }
}

/// Saves a pruning run's checkpoints to one file (``RunCheckpointSink`` for ``Pruner``).
public final class JobCheckpointFile: RunCheckpointSink {
    public let path: String
    public let fingerprint: String
    /// Runs after each checkpoint is in place (see ``PruningJob/Inputs/checkpointWritten``).
    public var written: ((String) throws -> Void)?

    public init(path: String, fingerprint: String) { self.path = path; self.fingerprint = fingerprint }

    public func save(journal: [RunJournalEntry], optimizerState: [String: Tensor]?, model: any Module) throws {
        var checkpoint = JobCheckpoint(fingerprint: fingerprint, model: model, optimizerState: optimizerState)
        checkpoint.journal = journal
        try checkpoint.write(to: path)
        try written?(path)
    }

    /// The saved run to continue when `resume` is set and a checkpoint exists (nil otherwise); `log`
    /// says which happens.
    public func resumption(for model: any Module, resume: Bool, log: any JobLog) throws -> RunResumption? {
        guard JobCheckpoint.shouldResume(from: path, resume: resume, log: log) else { return nil }
        let checkpoint = try JobCheckpoint.read(path, fingerprint: fingerprint)
        log.info("resuming from \(path): \(checkpoint.journal.count) operations done")
        return RunResumption(journal: checkpoint.journal) { try checkpoint.restore(into: model) }
    }

    /// Removes the checkpoint once the job has finished.
    public func finish() { try? FileManager.default.removeItem(atPath: path) }
}
