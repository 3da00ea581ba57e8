import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `prune prune --max-drop D`: the pruning job at the sparsities ``SparsityBisection`` asks for, each
/// from the same dense model with the same settings (fine-tuning included), until the highest sparsity
/// whose accuracy stays within D of the dense model's is known; that trial's model is the output.
public enum SparsitySearchJob {
    public struct Report: Encodable {
        public let maxDrop: Double
        public let trials: [SparsityBisection.Trial]
        /// The pruning report of the best passing trial (nil: none passed).
        public let best: PruningReport?
        public let seconds: Double
    }

    public static func run(_ inputs: PruningJob.Inputs, search: SparsityBisection, data: ImageDataSource,
                           log: any JobLog = SilentLog()) throws -> Report {
        guard inputs.settings.structured == nil else {
            throw JobError("--max-drop searches the unstructured sparsity; structured pruning sets --ratio")
        }
        if let out = inputs.out { try AtomicFile.checkDestination(out) }
        let start = Date()
        let candidate = inputs.out.map { $0 + ".candidate.safetensors" }
        defer { if let candidate { try? FileManager.default.removeItem(atPath: candidate) } }
        var reports: [Double: PruningReport] = [:]
        let baseline = try denseAccuracy(inputs, data: data)
        let outcome = try search.run(baseline: baseline) { s in
            var trial = inputs
            trial.settings.sparsity = s
            trial.out = candidate
            log.info(String(format: "trial %d: sparsity %.2f%%", reports.count + 1, s * 100))
            let report = try PruningJob.run(trial, data: data, log: log)
            reports[s] = report
            let metric = report.accuracyAfterFineTuning ?? report.accuracyAfterPruning ?? 0
            if let candidate, let out = inputs.out, search.passes(metric, baseline: baseline) {
                try keep(candidate, as: out)
            }
            return metric
        }
        return Report(maxDrop: search.maxDrop, trials: outcome.trials,
                      best: outcome.best.flatMap { reports[$0.sparsity] }, seconds: Date().timeIntervalSince(start))
    }

    /// The dense model's accuracy (a pruning run at sparsity 0 without fine-tuning measures it the same way).
    static func denseAccuracy(_ inputs: PruningJob.Inputs, data: ImageDataSource) throws -> Double {
        var dense = inputs
        dense.settings.sparsity = 0; dense.settings.finetuneEpochs = 0; dense.out = nil
        let report = try PruningJob.run(dense, data: data)
        guard let accuracy = report.accuracyDense else { throw JobError("the dense model's accuracy is unknown") }
        return accuracy
    }

    /// Renames a passing trial's file over the output in one step (the search only tries higher
    /// sparsities after a pass, so the last pass is the best).
    static func keep(_ candidate: String, as out: String) throws {
        guard rename(candidate, out) == 0 else {
            throw JobError("cannot move \(candidate) to \(out): \(String(cString: strerror(errno)))")
        }
    }
}
