import XCTest
import PruneTensor
import PruneNN
@testable import PruneOneShot

/// A statistics pass ends once every layer it was asked for has been seen, and only then; the
/// statistics gathered are those of the whole pass.
final class BlockStatisticsCollectorTests: XCTestCase {
    func testPassEndsAfterTheLastRequestedInput() throws {
        let collector = BlockStatisticsCollector(collectGram: false)
        collector.stopAfter = ["a", "b", "c"]
        let x = Tensor(unchecked: [1, 2, 3], [1, 2, 3, 4, 5, 6])
        for pass in 0..<2 {
            collector.tokenMask = [1, 1]
            XCTAssertNoThrow(try collector.observe(x, paths: ["a", "b"]), "pass \(pass)")
            XCTAssertThrowsError(try collector.observe(x, paths: ["c"])) { XCTAssertTrue($0 is ObservationComplete) }
        }
        XCTAssertEqual(collector.statistics["c"]?.tokens, 4)
        XCTAssertEqual(collector.statistics["a"]?.sumOfSquares, [2 * 17, 2 * 29, 2 * 45])
        let open = BlockStatisticsCollector(collectGram: false)
        open.tokenMask = [1, 1]
        XCTAssertNoThrow(try open.observe(x, paths: ["a", "b", "c"]), "without stopAfter every pass runs to its end")
    }
}
