/// Like-for-like timing: one warm-up call, then `rounds` rounds of back-to-back calls lasting at
/// least `minSeconds` each; the median of the rounds' per-call times. Prune's benchmarks, its peers
/// (`Benchmarks/*.py` use the same rule) and the `--sparse` dense/sparse comparisons all time this way,
/// so neither side is measured cold or once.
public struct MedianTiming: Sendable {
    public var rounds: Int
    public var minSeconds: Double

    public init(rounds: Int = 5, minSeconds: Double = 0.04) {
        precondition(rounds >= 1, "MedianTiming needs at least one round")
        self.rounds = rounds
        self.minSeconds = minSeconds
    }

    /// Median seconds per call of `body`.
    public func seconds(_ body: () throws -> Void) rethrows -> Double {
        try body()
        var perCall: [Double] = []
        for _ in 0..<rounds {
            var n = 0
            let start = monotonicSeconds()
            var elapsed = 0.0
            repeat {
                try body()
                n += 1
                elapsed = monotonicSeconds() - start
            } while elapsed < minSeconds
            perCall.append(elapsed / Double(n))
        }
        return Self.median(perCall)
    }

    /// The median of `values` (the mean of the middle two for an even count).
    public static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty, "median of no values")
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
