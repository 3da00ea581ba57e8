@testable import PruneAutodiff
import PruneTensor
import XCTest

/// `Variable.linear` writes its output without clearing it first: every element must come from the bias,
/// the product or (no input features, no bias) an explicit zero. Checked against a Double sum.
final class LinearEdgeTests: XCTestCase {
    func reference(_ x: Tensor, _ w: Tensor, _ b: Tensor?) -> [Double] {
        let (rows, inF, outF) = (x.shape[0], w.shape[1], w.shape[0])
        var y = [Double](repeating: 0, count: rows * outF)
        for r in 0..<rows {
            for o in 0..<outF {
                var s = b.map { Double($0.scalars[o]) } ?? 0
                for i in 0..<inF { s += Double(x.scalars[r * inF + i]) * Double(w.scalars[o * inF + i]) }
                y[r * outF + o] = s
            }
        }
        return y
    }

    /// Fills a buffer of `count` floats with NaN and frees it (not optimized away: its sum is returned).
    @inline(never)
    static func freedNaNs(_ count: Int) -> Float {
        let garbage = [Float](repeating: .nan, count: max(count, 1))
        return garbage.reduce(0, +)
    }

    func testWithAndWithoutBiasAndEmptyExtents() throws {
        var rng = RandomGenerator(seed: 3)
        for (rows, inF, outF) in [(5, 7, 3), (64, 33, 70), (1, 9, 4), (3, 0, 4), (0, 5, 2), (4, 6, 0)] {
            for withBias in [true, false] {
                // Leave NaNs in the heap block the output buffer is likely to reuse.
                XCTAssertTrue(Self.freedNaNs(rows * outF).isNaN)
                let x = Tensor.normal([rows, inF], using: &rng), w = Tensor.normal([outF, inF], using: &rng)
                let b = withBias ? Tensor.normal([outF], using: &rng) : nil
                let y = try Variable.linear(Variable(x), weight: Variable(w), bias: b.map { Variable($0) }).value
                XCTAssertEqual(y.shape, [rows, outF])
                XCTAssertEqual(y.scalars.count, rows * outF)
                for (got, want) in zip(y.scalars, reference(x, w, b)) {
                    XCTAssertEqual(Double(got), want, accuracy: 1e-5 * (1 + abs(want)),
                                   "\(rows)x\(inF) -> \(outF), bias \(withBias)")
                }
            }
        }
        XCTAssertThrowsError(try Variable.linear(Variable(Tensor.zeros([2, 3])), weight: Variable(Tensor.zeros([4, 3])),
                                                 bias: Variable(Tensor.zeros([3]))))
    }
}
