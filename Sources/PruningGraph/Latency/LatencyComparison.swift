import PruneNN

/// Two models timed on one engine in alternation (A, B, A, B, …), so a change of the machine's state (another
/// process, a clock change, a runtime's threads winding down) affects both alike: the median time of each and
/// the median of the paired ratios B/A.
public struct LatencyComparison: Sendable {
    public let first: Double
    public let second: Double
    /// Median over the pairs of second/first.
    public let fraction: Double

    public static func measure(_ a: any Module, _ b: any Module, inputShape: [Int], measurer: any LatencyMeasurer,
                               pairs: Int = 5) throws -> LatencyComparison {
        let probes = (0..<pairs).flatMap { _ in
            [LayerProbe(module: a, inputShape: inputShape), LayerProbe(module: b, inputShape: inputShape)]
        }
        let t = try measurer.seconds(probes)
        let firsts = stride(from: 0, to: t.count, by: 2).map { t[$0] }
        let seconds = stride(from: 1, to: t.count, by: 2).map { t[$0] }
        let ratios = zip(firsts, seconds).map { $1 / max($0, .leastNonzeroMagnitude) }
        return LatencyComparison(first: MedianTiming.median(firsts), second: MedianTiming.median(seconds),
                                 fraction: MedianTiming.median(ratios))
    }
}
