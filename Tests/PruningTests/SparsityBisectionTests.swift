@testable import PrunePruning
import XCTest

/// The sparsity bisection against a closed-form accuracy curve whose answer is known.
final class SparsityBisectionTests: XCTestCase {
    func testFindsTheHighestPassingSparsityWithinTheTolerance() throws {
        // 0.9 until 60%, then half a point per percent: a drop of 0.01 is reached at 62%.
        let curve = { (s: Double) in 0.9 - max(0, s - 0.6) * 0.5 }
        let search = try SparsityBisection(maxDrop: 0.01, upperBound: 0.99, tolerance: 0.01)
        var asked: [Double] = []
        let (trials, best) = search.run(baseline: 0.9) { asked.append($0); return curve($0) }
        let found = try XCTUnwrap(best)
        XCTAssertLessThanOrEqual(found.sparsity, 0.62 + 1e-12)
        XCTAssertGreaterThan(found.sparsity, 0.62 - 0.01)
        XCTAssertTrue(found.passed)
        XCTAssertEqual(asked.first, 0.99, "the upper bound is tried first")
        XCTAssertLessThanOrEqual(trials.count, 1 + Int((log2(0.99 / 0.01)).rounded(.up)))
        XCTAssertEqual(trials.map(\.sparsity), asked)
        for t in trials { XCTAssertEqual(t.passed, 0.9 - curve(t.sparsity) <= 0.01, "\(t)") }
    }

    func testTheUpperBoundOrNothing() throws {
        let search = try SparsityBisection(maxDrop: 0.02, upperBound: 0.9, tolerance: 0.05)
        let easy = search.run(baseline: 0.8) { _ in 0.79 }
        XCTAssertEqual(easy.trials.count, 1)
        XCTAssertEqual(easy.best?.sparsity, 0.9)
        let hopeless = search.run(baseline: 0.8) { _ in 0.1 }
        XCTAssertNil(hopeless.best)
        XCTAssertLessThan(hopeless.trials.last!.sparsity, 0.05 + 1e-9, "it narrowed down to the dense end")
        XCTAssertThrowsError(try SparsityBisection(maxDrop: -0.1))
        XCTAssertThrowsError(try SparsityBisection(maxDrop: 0.01, upperBound: 1))
        XCTAssertThrowsError(try SparsityBisection(maxDrop: 0.01, tolerance: 0))
    }
}
