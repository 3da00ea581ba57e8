/// Two sides timed in alternating rounds — a block of runs here, then the peer's block on the same inputs, in
/// the same seconds — and compared by the median of the rounds' ratios (each round's median here over its
/// median in the peer). This machine's speed moved by up to 2× between rounds, for both sides; the ratio of two
/// pooled medians can then take each side's median from a different speed, while a round's ratio compares runs
/// made in the same seconds (`prune bench onnx`).
public struct PairedRounds: Sendable {
    /// Each round's run times here, and the peer's (empty when it did not answer).
    public private(set) var here: [[Double]] = []
    public private(set) var peer: [[Double]] = []

    public init() {}

    /// Adds one round: its run times here and in the peer.
    public mutating func append(here times: [Double], peer peerTimes: [Double]) {
        here.append(times)
        peer.append(peerTimes)
    }

    /// The median of every run here (nil before any).
    public var hereMedian: Double? { pooledMedian(here) }

    /// The median of every run in the peer (nil when it never answered).
    public var peerMedian: Double? { pooledMedian(peer) }

    /// Each round's median here over its median in the peer, for the rounds where both sides ran.
    public var roundRatios: [Double] {
        zip(here, peer).compactMap { h, p in
            h.isEmpty || p.isEmpty ? nil : MedianTiming.median(h) / MedianTiming.median(p)
        }
    }

    /// The median of ``roundRatios`` (nil when no round has both sides).
    public var ratio: Double? {
        let ratios = roundRatios
        return ratios.isEmpty ? nil : MedianTiming.median(ratios)
    }

    func pooledMedian(_ rounds: [[Double]]) -> Double? {
        let all = rounds.flatMap { $0 }
        return all.isEmpty ? nil : MedianTiming.median(all)
    }
}
