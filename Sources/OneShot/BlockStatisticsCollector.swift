import PruneTensor
import PruneNN

/// Collects ``LinearInputStatistics`` for the Linear layers of one encoder block while calibration
/// batches run through it; padding tokens are left out. Layers that read the same input (query,
/// key and value) share one statistics object. With `stopAfter` set, a pass ends (by
/// ``ObservationComplete``) once every one of those layers has been seen, when the block's output is
/// not needed.
final class BlockStatisticsCollector: LinearInputObserver {
    let collectGram: Bool
    /// Statistics by layer path (relative to the block).
    private(set) var statistics: [String: LinearInputStatistics] = [:]
    /// 1 for the rows (tokens) of the current batch to keep.
    var tokenMask: [Int] = [] { didSet { seen = [] } }
    /// The layers whose inputs end a pass once all are seen (nil: every pass runs to its end).
    var stopAfter: Set<String>?
    private var seen: Set<String> = []

    init(collectGram: Bool) { self.collectGram = collectGram }

    func observe(_ input: Tensor, paths: [String]) throws {
        let features = input.shape.last ?? 0
        guard features > 0 else { return }
        let stats = statistics[paths[0]] ?? LinearInputStatistics(features: features, collectGram: collectGram)
        for p in paths { statistics[p] = stats }
        let rows = input.count / features
        precondition(rows == tokenMask.count, "token mask does not match the batch")
        var kept: [Float] = []
        kept.reserveCapacity(input.count)
        var count = 0
        for r in 0..<rows where tokenMask[r] == 1 {
            kept.append(contentsOf: input.scalars[(r * features)..<((r + 1) * features)])
            count += 1
        }
        stats.add(rows: kept, count: count)
        seen.formUnion(paths)
        if let stop = stopAfter, stop.isSubset(of: seen) { throw ObservationComplete() }
    }
}
