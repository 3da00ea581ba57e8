/// When pruning happens and how far each time.
public enum PruningSchedule: Sendable, Equatable {
    /// Prune once to the target, then fine-tune.
    case oneShot
    /// Each round prunes `rate` of the weights still alive (density (1 − rate)^r after r rounds) and
    /// fine-tunes `epochsPerRound` epochs, until the target is reached (Han et al. 2015; Frankle & Carbin 2019).
    case iterative(rate: Double, epochsPerRound: Int)
    /// Automated Gradual Pruning (Zhu & Gupta, "To prune, or not to prune", 2017):
    /// s_t = s_f + (s_i − s_f)·(1 − (t − t₀)/(n·Δt))³ at t = t₀, t₀ + Δt, …, t₀ + n·Δt, during fine-tuning;
    /// masks are recomputed at those steps only.
    case gradual(initialSparsity: Double, startStep: Int, frequency: Int, pruningSteps: Int)

    /// The sparsity targets of the iterative rounds, ending exactly at `target`.
    public static func iterativeTargets(rate: Double, target: Double) throws -> [Double] {
        guard rate > 0, rate < 1 else { throw PruningError.invalidOption("the iterative rate must be in (0, 1), got \(rate)") }
        var out: [Double] = []
        var density = 1.0
        while out.last.map({ $0 < target - 1e-12 }) ?? (target > 0) {
            density *= 1 - rate
            out.append(min(1 - density, target))
            if out.count > 10_000 { break }
        }
        return out
    }

    /// AGP's sparsity at step `t` (nil when `t` is not a pruning step).
    public static func gradualSparsity(atStep t: Int, initial si: Double, final sf: Double, startStep t0: Int,
                                       frequency dt: Int, pruningSteps n: Int) -> Double? {
        guard t >= t0, t <= t0 + n * dt, (t - t0) % dt == 0 else { return nil }
        let progress = Double(t - t0) / Double(n * dt)
        let r = 1 - progress
        return sf + (si - sf) * r * r * r
    }
}
