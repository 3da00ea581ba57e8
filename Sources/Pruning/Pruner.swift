import PruneAutodiff
import PruneNN
import PruneTensor

/// Runs a pruning plan on a model: the plan's schedule prunes and fine-tunes, then the masks are
/// baked and the model measured.
public enum Pruner {
    /// Prunes `model` in place and returns the report. `teacher` (the dense model) is used for distillation.
    /// `checkpoints` saves the run at its safe points; `resumption` continues a saved run (see ``RunResumption``).
    public static func run(_ model: any Module, plan: PruningPlan, data: PruningData, teacher: (any Module)? = nil,
                           inputShape: [Int], log: ((String) -> Void)? = nil, checkpoints: RunCheckpointSink? = nil,
                           resumption: RunResumption? = nil) throws -> PruningReport {
        try plan.validate()
        for (path, p) in model.parameters() where p.value.scalars.contains(where: { !$0.isFinite }) {
            throw PruningError.incompatible(layer: path, reason: "has NaN or infinite weights")
        }
        let run = try PruningRun(model: model, plan: plan, data: data, teacher: teacher, log: log,
                                 checkpoints: checkpoints, resumption: resumption)
        let outcome = try plan.schedule.run(run)
        for t in run.targets { t.parameter.bake() }
        var report = try PruningReport.measure(model, scopePaths: Set(run.targets.map(\.path)), inputShape: inputShape)
        report.accuracyDense = run.denseAccuracy
        report.accuracyAfterPruning = outcome.afterPruning
        report.accuracyAfterFineTuning = outcome.afterFineTuning
        report.fineTuningCurve = run.fineTuningCurve.isEmpty ? nil : run.fineTuningCurve
        report.settings = ["criterion": plan.criterion.name, "pattern": plan.pattern.description,
                           "scope": "\(plan.scope.distribution)", "schedule": plan.schedule.description,
                           "in-scope weights": run.targets.map(\.path).joined(separator: ", ")]
        return report
    }
}
