import Foundation

/// Each round prunes `rate` of the weights still alive (density (1 − rate)^r after r rounds) and
/// fine-tunes `epochsPerRound` epochs, until the target is reached (Han et al. 2015; Frankle &
/// Carbin 2019). With the plan's `skipFineTuningBelowDrop`, a round whose pruning cost less accuracy
/// than that skips its fine-tuning (Hu et al., "ICE-Pruning", 2025).
public struct IterativeSchedule: PruningSchedule, Equatable {
    public var rate: Double
    public var epochsPerRound: Int
    public init(rate: Double, epochsPerRound: Int) { self.rate = rate; self.epochsPerRound = epochsPerRound }
    public var description: String { "iterative(rate: \(rate), epochsPerRound: \(epochsPerRound))" }

    /// The most rounds a schedule may take; more means the rate is too small for the target.
    public static let maximumRounds = 1_000

    /// The sparsity targets of the rounds, ending exactly at `target`. A rate that would need more
    /// than ``maximumRounds`` rounds is an error, not a silent stop short of the target.
    public static func targets(rate: Double, target: Double) throws -> [Double] {
        guard rate > 0, rate < 1 else { throw PruningError.invalidOption("the iterative rate must be in (0, 1), got \(rate)") }
        guard target.isFinite, target >= 0, target < 1 else {
            throw PruningError.impossibleTarget("sparsity must be in [0, 1), got \(target)")
        }
        guard target > 0 else { return [] }
        let needed = (log(1 - target) / log(1 - rate)).rounded(.up)
        guard needed <= Double(maximumRounds) else {
            throw PruningError.impossibleTarget(String(
                format: "reaching sparsity %g at rate %g per round takes %.0f rounds (limit %d); raise the rate",
                target, rate, needed, maximumRounds))
        }
        var out: [Double] = []
        var density = 1.0
        while out.count <= Self.maximumRounds, out.last.map({ $0 < target - 1e-12 }) ?? true {
            density *= 1 - rate
            out.append(min(1 - density, target))
        }
        return out
    }

    public func validate(target: Double, pattern: SparsityPattern) throws {
        if !pattern.fixesSparsity { _ = try Self.targets(rate: rate, target: target) }
    }

    public func run(_ run: PruningRun) throws -> ScheduleOutcome {
        let target = run.targetSparsity
        let rounds = run.plan.pattern.fixesSparsity ? [target] : try Self.targets(rate: rate, target: target)
        var outcome = ScheduleOutcome()
        var previous = run.denseAccuracy
        var skipped = 0
        for (r, s) in rounds.enumerated() {
            try run.prune(to: s)
            let acc = try run.evaluate()
            if r == rounds.count - 1 { outcome.afterPruning = acc }
            let label = String(format: "round %d/%d: sparsity %.2f%%, accuracy %.2f%%", r + 1, rounds.count, s * 100,
                               acc * 100)
            if let limit = run.plan.skipFineTuningBelowDrop, previous - acc < limit {
                skipped += 1
                run.log(label + String(format: " (drop %.2f points < %.2f): fine-tuning skipped",
                                       (previous - acc) * 100, limit * 100))
                outcome.afterFineTuning = acc
                previous = acc
                continue
            }
            if epochsPerRound > 0 { try run.fineTune(epochs: epochsPerRound) }
            let tuned = try run.evaluate()
            outcome.afterFineTuning = tuned
            previous = tuned
            run.log(label + String(format: " pruned, %.2f%% fine-tuned", tuned * 100))
        }
        if skipped > 0 { run.log("fine-tuning skipped in \(skipped) of \(rounds.count) rounds") }
        if epochsPerRound == 0 { outcome.afterFineTuning = nil }
        return outcome
    }
}

extension IterativeSchedule: RegisteredSchedule {
    public static let names = ["iterative"]
    public static func make(_ settings: ScheduleSettings) throws -> any PruningSchedule {
        IterativeSchedule(rate: settings.rate, epochsPerRound: settings.epochs)
    }
}
