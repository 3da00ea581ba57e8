/// Automated Gradual Pruning (Zhu & Gupta, "To prune, or not to prune", 2017):
/// s_t = s_f + (s_i − s_f)·(1 − (t − t₀)/(n·Δt))³ at t = t₀, t₀ + Δt, …, t₀ + n·Δt, during the plan's
/// fine-tuning; masks are recomputed at those steps only.
public struct GradualSchedule: PruningSchedule, Equatable {
    public var initialSparsity: Double
    public var startStep: Int
    public var frequency: Int
    public var pruningSteps: Int

    public init(initialSparsity: Double, startStep: Int, frequency: Int, pruningSteps: Int) {
        self.initialSparsity = initialSparsity; self.startStep = startStep
        self.frequency = frequency; self.pruningSteps = pruningSteps
    }

    public var description: String {
        "gradual(initialSparsity: \(initialSparsity), startStep: \(startStep), frequency: \(frequency), "
            + "pruningSteps: \(pruningSteps))"
    }

    /// AGP's sparsity at step `t` toward `final` (nil when `t` is not a pruning step).
    public func sparsity(atStep t: Int, final sf: Double) -> Double? {
        let t0 = startStep, dt = frequency, n = pruningSteps
        guard t >= t0, t <= t0 + n * dt, (t - t0) % dt == 0 else { return nil }
        let r = 1 - Double(t - t0) / Double(n * dt)
        return sf + (initialSparsity - sf) * r * r * r
    }

    public func run(_ run: PruningRun) throws -> ScheduleOutcome {
        guard frequency > 0, pruningSteps > 0 else {
            throw PruningError.invalidOption("gradual pruning needs a frequency and a step count > 0")
        }
        let epochs = run.plan.fineTuning.epochs
        guard epochs > 0 else { throw PruningError.invalidOption("gradual pruning happens during fine-tuning: give it epochs") }
        let last = startStep + frequency * pruningSteps, total = run.stepsPerEpoch * epochs
        guard last <= total else {
            throw PruningError.impossibleTarget("gradual pruning ends at step \(last), after the \(total) fine-tuning steps")
        }
        let target = run.targetSparsity
        if let s0 = sparsity(atStep: 0, final: target) { try run.prune(to: s0) }
        var outcome = ScheduleOutcome()
        try run.fineTune(epochs: epochs) { step in
            guard let s = sparsity(atStep: step, final: target) else { return }
            try run.prune(to: s)
            if step == last { outcome.afterPruning = try run.evaluate(); run.model.train() }
        }
        outcome.afterFineTuning = try run.evaluate()
        return outcome
    }
}

extension GradualSchedule: RegisteredSchedule {
    public static let names = ["agp", "gradual"]
    /// From step 0, every `agpFrequency` steps over the first `agpRamp` of the fine-tuning steps.
    public static func make(_ s: ScheduleSettings) throws -> any PruningSchedule {
        guard s.agpFrequency > 0, s.agpRamp > 0, s.agpRamp <= 1 else {
            throw PruningError.invalidOption("AGP needs a frequency > 0 and a ramp in (0, 1]")
        }
        let (total, overflow) = s.stepsPerEpoch.multipliedReportingOverflow(by: s.epochs)
        guard !overflow, total <= 1 << 40 else {
            throw PruningError.invalidOption("AGP over \(s.epochs) epochs of \(s.stepsPerEpoch) steps is too long to run")
        }
        let steps = max(1, Int(Double(total) * s.agpRamp) / s.agpFrequency)
        return GradualSchedule(initialSparsity: 0, startStep: 0, frequency: s.agpFrequency, pruningSteps: steps)
    }
}
