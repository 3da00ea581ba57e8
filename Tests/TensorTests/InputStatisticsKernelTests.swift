import XCTest
@testable import PruneTensor

/// The Gram and sum-of-squares kernels behind one-shot pruning's input statistics, against Double sums.
final class InputStatisticsKernelTests: XCTestCase {
    private func random(_ count: Int, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return (0..<count).map { _ in Float.random(in: -1...1, using: &rng) }
    }

    func testGramUpperTriangleMatchesDoubleSums() {
        for (rows, f) in [(1, 1), (37, 100), (256, 193), (300, 576)] {
            let x = random(rows * f, seed: UInt64(rows * f))
            var g = [Float](repeating: 0.5, count: f * f)  // adds to what is there
            x.withUnsafeBufferPointer { px in Tensor.addGram(px.baseAddress!, rows: rows, features: f, into: &g) }
            for i in 0..<f {
                for j in i..<f {
                    var sum = 0.5
                    for r in 0..<rows { sum += Double(x[r * f + i]) * Double(x[r * f + j]) }
                    XCTAssertEqual(Double(g[i * f + j]), sum, accuracy: 1e-5 * Double(rows) + 1e-6, "\(rows)×\(f) [\(i), \(j)]")
                }
            }
        }
    }

    func testGramIsTheSameOnEveryRun() {
        let rows = 300, f = 330, x = random(rows * f, seed: 3)
        func gram() -> [Float] {
            var g = [Float](repeating: 0, count: f * f)
            x.withUnsafeBufferPointer { px in Tensor.addGram(px.baseAddress!, rows: rows, features: f, into: &g) }
            return g
        }
        let first = gram()
        for _ in 0..<20 { XCTAssertEqual(gram(), first) }  // whichever worker takes which column block
    }

    func testSumsOfSquaresEqualTheScalarLoopBitForBit() {
        let rows = 129, f = 1000, x = random(rows * f, seed: 5)
        var sums = (0..<f).map { Double($0) / 7 }
        var expected = sums
        for r in 0..<rows { for j in 0..<f { let v = Double(x[r * f + j]); expected[j] += v * v } }
        x.withUnsafeBufferPointer { px in Tensor.addSquares(px.baseAddress!, rows: rows, features: f, into: &sums) }
        XCTAssertEqual(sums, expected)
    }

    func testIsMaskedOnlyWhenTheProductWouldNotChangeABit() throws {
        let value = Tensor(unchecked: [2, 3], [1, 0, -0.0, 2, 0, 3])
        XCTAssertTrue(value.isMasked(by: Tensor(unchecked: [2, 3], [1, 0, 0, 1, 1, 1])))
        XCTAssertFalse(value.isMasked(by: Tensor(unchecked: [2, 3], [1, 1, 0, 0, 1, 1])))  // 2 × 0 ≠ 2
        XCTAssertFalse(value.isMasked(by: Tensor(unchecked: [2, 3], [1, 0, -0.0, 1, 1, 1])))  // 0 × −0 is −0
        XCTAssertFalse(value.isMasked(by: Tensor(unchecked: [2, 3], [1, 0, 0, 0.5, 1, 1])))  // a soft mask
        let long = Tensor(unchecked: [5000], (0..<5000).map { $0 == 4321 ? 1 : 0 })
        var mask = [Float](repeating: 0, count: 5000); mask[4321] = 1
        XCTAssertTrue(long.isMasked(by: Tensor(unchecked: [5000], mask)))
        mask[4321] = 0
        XCTAssertFalse(long.isMasked(by: Tensor(unchecked: [5000], mask)))
    }
}
