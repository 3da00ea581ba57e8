/// Accuracy-preserving pruning (the reference texts: "binary search for maximum sparsity that maintains
/// accuracy within threshold; conservative but guarantees performance"): the highest sparsity whose
/// metric (after the caller's pruning and fine-tuning) stays within `maxDrop` of the dense one, found by
/// bisection between a sparsity known to pass (0, the dense model) and `upperBound`, tried first. It
/// assumes the metric does not rise with sparsity; the answer is always a sparsity that was tried and
/// passed, so a noisy curve can only make it conservative, never wrong.
public struct SparsityBisection: Sendable {
    public var maxDrop: Double
    public var upperBound: Double
    /// Stop when the passing and failing sparsities are this close.
    public var tolerance: Double

    public init(maxDrop: Double, upperBound: Double = 0.99, tolerance: Double = 0.01) throws {
        guard maxDrop >= 0, maxDrop < 1 else { throw PruningError.invalidOption("the largest drop must be in [0, 1)") }
        guard upperBound > 0, upperBound < 1 else {
            throw PruningError.invalidOption("the search's upper sparsity must be in (0, 1), got \(upperBound)")
        }
        guard tolerance > 0, tolerance < upperBound else {
            throw PruningError.invalidOption("the search tolerance must be in (0, \(upperBound)), got \(tolerance)")
        }
        self.maxDrop = maxDrop; self.upperBound = upperBound; self.tolerance = tolerance
    }

    /// One tried sparsity and its metric.
    public struct Trial: Codable, Sendable, Equatable {
        public let sparsity: Double
        public let metric: Double
        public let passed: Bool
    }

    /// Whether `metric` is within `maxDrop` of `baseline`.
    public func passes(_ metric: Double, baseline: Double) -> Bool { baseline - metric <= maxDrop }

    /// Runs `trial` (the metric at a sparsity) until the bracket is narrower than the tolerance; returns
    /// every trial in order and the best passing one (nil: not even the smallest tried sparsity passed).
    public func run(baseline: Double, trial: (Double) throws -> Double) rethrows -> (trials: [Trial], best: Trial?) {
        var trials: [Trial] = []
        func attempt(_ s: Double) throws -> Bool {
            let m = try trial(s)
            trials.append(Trial(sparsity: s, metric: m, passed: passes(m, baseline: baseline)))
            return trials.last!.passed
        }
        var low = 0.0, high = upperBound
        if try attempt(high) { return (trials, trials.last) }
        while high - low > tolerance {
            let mid = ((low + high) / 2 / (tolerance / 10)).rounded() * (tolerance / 10)
            if try attempt(mid) { low = mid } else { high = mid }
        }
        return (trials, trials.filter(\.passed).max { $0.sparsity < $1.sparsity })
    }
}
