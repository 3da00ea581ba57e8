import Foundation
import Prune

/// The in-process fuzzer: a fixed number of seeded mutants of the target's seeds (no clock, so the
/// same mutants on every machine), each executed under a memory budget.
public struct FuzzRunner {
    public let target: any FuzzTarget
    public let seed: UInt64

    public init(target: any FuzzTarget, seed: UInt64 = 20261130) {
        self.target = target
        self.seed = seed
    }

    /// What a run did.
    public struct Summary: Sendable, Encodable {
        public var target: String
        public var executions = 0
        public var accepted = 0
        public var rejected = 0
        public var seeds = 0
        public var seconds = 0.0
        /// Peak resident memory of the process after the run, in MiB.
        public var peakMemoryMiB = 0.0
    }

    /// Runs the seeds unchanged, then `executions` mutants; `progress` is called every 1,000.
    public func run(executions: Int, repository: String, budget: Int = 1 << 30,
                    progress: ((Summary) -> Void)? = nil) throws -> Summary {
        let seeds = try target.seeds(repository: repository)
        guard !seeds.isEmpty else { throw FuzzError("fuzz target \(target.name) has no seeds") }
        let savedBudget = MemoryBudget.bytes
        MemoryBudget.bytes = budget
        defer { MemoryBudget.bytes = savedBudget }
        var summary = Summary(target: target.name, seeds: seeds.count)
        var mutator = SizeFieldMutator(seed: seed, encoding: target.encoding)
        let start = Date()
        for s in seeds { _ = target.execute(s) }
        for i in 0..<executions {
            let input = mutator.mutate(seeds[mutator.below(seeds.count)])
            if target.execute(input) { summary.accepted += 1 } else { summary.rejected += 1 }
            summary.executions += 1
            if (i + 1) % 1000 == 0 { progress?(summary) }
        }
        summary.seconds = Date().timeIntervalSince(start)
        summary.peakMemoryMiB = Double(peakResidentBytes()) / 1_048_576
        return summary
    }
}

/// A fuzzing set-up problem (no seeds, unknown target).
public struct FuzzError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
