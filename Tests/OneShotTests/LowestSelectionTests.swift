import XCTest
import PruneTensor
@testable import PruneOneShot

/// Quickselect removal masks against the definition: a stable sort of (score, position).
final class LowestSelectionTests: XCTestCase {
    private func bySorting(_ s: [Double], _ k: Int) -> Set<Int> {
        let key = { (i: Int) in s[i].isNaN ? Double.infinity : s[i] }
        let order = s.indices.sorted { key($0) < key($1) || (key($0) == key($1) && $0 < $1) }
        return Set(order.prefix(k))
    }

    func testMatchesStableSortWithTiesAndNaN() {
        var rng = RandomGenerator(seed: 7)
        for trial in 0..<300 {
            let n = Int.random(in: 1...700, using: &rng)
            let distinct = trial % 3 == 0 ? 3 : 1_000_000  // many ties in a third of the trials
            var s = (0..<n).map { _ in Double(Int.random(in: 0..<distinct, using: &rng)) }
            if trial % 5 == 0 { s[Int.random(in: 0..<n, using: &rng)] = .nan }
            if trial % 7 == 0 { s = s.sorted() }  // sorted and
            if trial % 11 == 0 { s = s.sorted(by: >) }  // reversed inputs
            let k = Int.random(in: 0...n, using: &rng)
            let mask = LowestSelection.lowest(s[...], count: k)
            XCTAssertEqual(Set(mask.indices.filter { mask[$0] }), bySorting(s, k), "trial \(trial), n \(n), k \(k)")
        }
    }

    func testPerRowUnstructuredAndNOfM() {
        let rows = 37, cols = 96
        let scores = (0..<(rows * cols)).map { Double(($0 * 7919) % 101) }
        let half = LowestSelection.perRow(scores, rows: rows, cols: cols, sparsity: .unstructured(0.5))
        let nm = LowestSelection.perRow(scores, rows: rows, cols: cols, sparsity: .nOfM(n: 2, m: 4))
        for r in 0..<rows {
            let row = Array(scores[(r * cols)..<((r + 1) * cols)])
            let expected = bySorting(row, 48)
            XCTAssertEqual(Set((0..<cols).filter { half[r * cols + $0] }), expected)
            for g in stride(from: 0, to: cols, by: 4) {
                let group = Array(row[g..<(g + 4)])
                XCTAssertEqual(Set((0..<4).filter { nm[r * cols + g + $0] }), bySorting(group, 2))
            }
        }
    }
}
