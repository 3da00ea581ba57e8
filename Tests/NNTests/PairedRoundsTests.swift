import XCTest
@testable import PruneNN

/// ``PairedRounds``: the median of the rounds' ratios against hand-computed values, where the ratio of the
/// pooled medians differs (the machine twice as slow in the later rounds, for both sides).
final class PairedRoundsTests: XCTestCase {
    func testTheRatioIsTheMedianOfTheRoundsRatios() {
        var rounds = PairedRounds()
        rounds.append(here: [2, 2.2, 1.8], peer: [1, 1.1, 0.9])
        rounds.append(here: [4, 4.4, 3.6], peer: [2, 2.2, 1.8])
        rounds.append(here: [4.4, 4, 3.6], peer: [2.2, 1.8, 2])
        rounds.append(here: [4, 4, 4], peer: [])   // the peer stopped: no ratio for this round
        XCTAssertEqual(rounds.roundRatios, [2, 2, 2])
        XCTAssertEqual(rounds.ratio, 2)
        // Pooled, the sides' medians come from different speeds (4 here, 1.8 in the peer): 2.22, not 2.
        XCTAssertEqual(rounds.hereMedian, 4)
        XCTAssertEqual(rounds.peerMedian, 1.8)
    }

    func testAnEvenNumberOfRoundsTakesTheMiddleTwo() throws {
        var rounds = PairedRounds()
        for (here, peer) in [(3.0, 1.0), (1.0, 1.0), (2.0, 1.0), (6.0, 1.0)] {
            rounds.append(here: [here], peer: [peer])
        }
        XCTAssertEqual(rounds.roundRatios, [3, 1, 2, 6])
        XCTAssertEqual(try XCTUnwrap(rounds.ratio), 2.5, accuracy: 1e-12)
    }

    func testNoPeerGivesNoRatio() {
        var rounds = PairedRounds()
        XCTAssertNil(rounds.hereMedian)
        rounds.append(here: [1, 2, 3], peer: [])
        XCTAssertNil(rounds.ratio)
        XCTAssertNil(rounds.peerMedian)
        XCTAssertEqual(rounds.hereMedian, 2)
    }
}
