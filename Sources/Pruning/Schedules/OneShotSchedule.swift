/// Prune once to the target, then fine-tune the plan's epochs (Han et al. 2015, one round).
public struct OneShotSchedule: PruningSchedule, Equatable {
    public init() {}
    public var description: String { "oneShot" }

    public func run(_ run: PruningRun) throws -> ScheduleOutcome {
        try run.prune(to: run.targetSparsity)
        var outcome = ScheduleOutcome(afterPruning: try run.evaluate())
        run.log(String(format: "pruned to %.2f%%: accuracy %.2f%%", run.targetSparsity * 100,
                       outcome.afterPruning! * 100))
        if run.plan.fineTuning.epochs > 0 {
            try run.fineTune(epochs: run.plan.fineTuning.epochs)
            outcome.afterFineTuning = try run.evaluate()
        }
        return outcome
    }
}

extension OneShotSchedule: RegisteredSchedule {
    public static let names = ["oneshot", "one-shot"]
    public static func make(_ settings: ScheduleSettings) throws -> any PruningSchedule { OneShotSchedule() }
}
