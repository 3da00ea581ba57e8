import Prune

/// A schedule the library does not have, defined outside it: prune to half the target, fine-tune
/// one epoch, prune to the target, fine-tune one more. Registered, settings and recipes name it.
struct TwoStepSchedule: RegisteredSchedule, Equatable {
    static let names = ["two-step"]
    static func make(_ settings: ScheduleSettings) throws -> any PruningSchedule { TwoStepSchedule() }
    var description: String { "two-step" }

    func run(_ run: PruningRun) throws -> ScheduleOutcome {
        var outcome = ScheduleOutcome()
        for (step, sparsity) in [run.targetSparsity / 2, run.targetSparsity].enumerated() {
            try run.prune(to: sparsity)
            outcome.afterPruning = try run.evaluate()
            run.log(String(format: "step %d: sparsity %.3f", step + 1, sparsity))
            try run.fineTune(epochs: 1)
        }
        outcome.afterFineTuning = try run.evaluate()
        return outcome
    }
}
