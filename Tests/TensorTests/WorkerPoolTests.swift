import Foundation
@testable import PruneTensor
import XCTest

/// Prune's worker pool (worker_pool.c), through `parallelFor` and the product split: every part runs
/// exactly once, a parallel loop inside a part runs on its own thread instead of waiting for the busy
/// pool, and loops started from several threads at once all complete.
final class WorkerPoolTests: XCTestCase {
    func testEveryPartRunsExactlyOnce() {
        for count in [2, 3, 17, 1000, 40_000] {
            var hits = [Int32](repeating: 0, count: count)
            hits.withUnsafeMutableBufferPointer { h in
                nonisolated(unsafe) let p = h.baseAddress!
                parallelFor(count, work: 100_000) { i in p[i] += 1 }
            }
            XCTAssertEqual(hits, [Int32](repeating: 1, count: count), "count \(count)")
        }
    }

    /// `runRangesOnPool` deals whole grains evenly and gives the extra ones to the last parts, so the short
    /// last grain goes with a longer part: the ranges tile the extent in order, each a multiple of the grain
    /// but the last, no two parts more than a grain apart (196 columns in 16s over two parts: 96 + 100).
    func testRangesTileTheExtentEvenly() {
        XCTAssertEqual(ranges(196, parts: 2, grain: 16), [0..<96, 96..<196])
        XCTAssertEqual(ranges(1000, parts: 2, grain: 12), [0..<504, 504..<1000])
        XCTAssertEqual(ranges(10, parts: 3, grain: 1), [0..<3, 3..<6, 6..<10])
        for (extent, parts, grain) in [(49, 2, 16), (7, 4, 1), (3, 8, 2), (4096, 16, 64), (1, 2, 12), (65, 4, 16)] {
            let got = ranges(extent, parts: parts, grain: grain)
            XCTAssertEqual(got.first?.lowerBound, 0, "\(extent) \(parts) \(grain)")
            XCTAssertEqual(got.last?.upperBound, extent, "\(extent) \(parts) \(grain)")
            for (a, b) in zip(got, got.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
            for r in got.dropLast() { XCTAssertEqual(r.count % grain, 0, "\(r) of \(extent) in \(grain)s") }
            let units = got.map { ($0.count + grain - 1) / grain }
            XCTAssertLessThanOrEqual((units.max() ?? 0) - (units.min() ?? 0), 1, "\(extent) \(parts) \(grain)")
        }
    }

    /// The non-empty ranges `runRangesOnPool` runs, in part order.
    func ranges(_ extent: Int, parts: Int, grain: Int) -> [Range<Int>] {
        var seen = [Range<Int>?](repeating: nil, count: parts)
        seen.withUnsafeMutableBufferPointer { s in
            nonisolated(unsafe) let p = s.baseAddress!
            runRangesOnPool(extent, parts: parts, grain: grain) { part, range in p[part] = range }
        }
        return seen.compactMap { $0 }
    }

    /// Short runs back to back whose part counts alternate (9, then 2): a worker that read one run's ticket
    /// must not claim a part of the next before that run opens (such a part ran twice, and a run could return
    /// while one of its parts still ran). Before the fix, the pool alone, driven from C the same way,
    /// miscounted 176–2,952 of 300,000 runs.
    func testBackToBackRunsRunEachPartOnce() {
        let runs = 100_000, widest = 9
        var hits = [Int32](repeating: 0, count: runs * widest)
        hits.withUnsafeMutableBufferPointer { h in
            nonisolated(unsafe) let p = h.baseAddress!
            for r in 0..<runs {
                runOnPool(r % 2 == 0 ? widest : 2) { part in p[r * widest + part] += 1 }
            }
        }
        var wrong = 0
        for r in 0..<runs {
            let parts = r % 2 == 0 ? widest : 2
            for part in 0..<widest where hits[r * widest + part] != (part < parts ? 1 : 0) { wrong += 1 }
        }
        XCTAssertEqual(wrong, 0, "parts that did not run exactly once")
    }

    func testNestedLoopsRunInline() {
        var sums = [Int](repeating: 0, count: 8)
        sums.withUnsafeMutableBufferPointer { s in
            nonisolated(unsafe) let p = s.baseAddress!
            parallelFor(8, work: 100_000) { i in
                var inner = [Int](repeating: 0, count: 64)
                inner.withUnsafeMutableBufferPointer { q in
                    nonisolated(unsafe) let r = q.baseAddress!
                    parallelFor(64, work: 100_000) { j in r[j] = i * 64 + j }
                }
                p[i] = inner.reduce(0, +)
            }
        }
        XCTAssertEqual(sums, (0..<8).map { i in (0..<64).reduce(0) { $0 + i * 64 + $1 } })
    }

    func testLoopsFromSeveralThreadsAllComplete() {
        let results = UnsafeMutableBufferPointer<Int>.allocate(capacity: 6)
        defer { results.deallocate() }
        nonisolated(unsafe) let out = results
        DispatchQueue.concurrentPerform(iterations: 6) { t in
            var values = [Int](repeating: 0, count: 5000)
            values.withUnsafeMutableBufferPointer { v in
                nonisolated(unsafe) let p = v.baseAddress!
                for _ in 0..<20 { parallelFor(5000, work: 100) { i in p[i] += i + t } }
            }
            out[t] = values.reduce(0, +)
        }
        for t in 0..<6 { XCTAssertEqual(results[t], 20 * (0..<5000).reduce(0) { $0 + $1 + t }) }
    }
}
