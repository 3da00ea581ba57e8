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
