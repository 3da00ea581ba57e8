import CDenseKernels
import Foundation
import PruneTensor
import XCTest

/// The C softmax and sigmoid kernels (one polynomial exp) against the same formulas in Double with
/// libm: within a few float ulps everywhere, including the extremes, −∞, and NaN rows.
final class ExponentialKernelTests: XCTestCase {
    private func referenceSoftmax(_ row: [Float], log: Bool) -> [Double] {
        let m = Double(row.max() ?? 0), s = row.reduce(0.0) { $0 + Foundation.exp(Double($1) - m) }
        return row.map { log ? Double($0) - m - Foundation.log(s) : Foundation.exp(Double($0) - m) / s }
    }

    func testSoftmaxRowsAgreeWithDoublePrecision() throws {
        var rng = RandomGenerator(seed: 21)
        for (rows, len, scale) in [(3, 1, 1.0), (5, 17, 1.0), (7, 256, 10.0), (4, 100, 60.0), (2, 1_000, 0.01)] {
            let x = Tensor.normal([rows, len], using: &rng) * Float(scale)
            for log in [false, true] {
                let y = try log ? x.logSoftmax(axis: -1) : x.softmax(axis: 1)
                for r in 0..<rows {
                    let ref = referenceSoftmax(Array(x.scalars[(r * len)..<((r + 1) * len)]), log: log)
                    for k in 0..<len {
                        let got = Double(y.scalars[r * len + k]), want = ref[k]
                        XCTAssertEqual(got, want, accuracy: 1e-6 * Swift.max(1, Swift.abs(want)) + (log ? 1e-5 : 0),
                                       "rows \(rows) len \(len) scale \(scale) log \(log) at \(r),\(k)")
                    }
                }
            }
        }
    }

    /// Rows shorter than 32 run in blocks (their exps in one loop, their sums eight rows at a time): the same
    /// bits as each row alone, softmax and log-softmax, with −∞ rows, NaN rows and masked entries among them.
    func testShortRowsInBlocksGiveTheBitsOfOneRowAtATime() {
        var rng = RandomGenerator(seed: 28)
        for len in 1...33 {
            for rows in [8, 13, 64, 65, 130] {
                var x = (Tensor.normal([rows * len], using: &rng) * 8).scalars
                x[0] = -.infinity
                if rows > 9 { x[len * 9] = .nan }
                if rows > 12 { for k in 0..<len { x[len * 12 + k] = -.infinity } }
                for log: Int32 in [0, 1] {
                    var block = [Float](repeating: 7, count: x.count), alone = block
                    prune_softmax_rows_f32(x, &block, Int64(rows), Int64(len), log)
                    x.withUnsafeBufferPointer { p in
                        alone.withUnsafeMutableBufferPointer { o in
                            for r in 0..<rows {
                                prune_softmax_rows_f32(p.baseAddress! + r * len, o.baseAddress! + r * len, 1,
                                                       Int64(len), log)
                            }
                        }
                    }
                    XCTAssertEqual(block.map(\.bitPattern), alone.map(\.bitPattern),
                                   "len \(len) rows \(rows) log \(log)")
                }
            }
        }
    }

    /// The row maximum runs in 16 lanes and a tail: wherever the largest value sits (each lane, the tail, the
    /// first and last place), a row's softmax is bit for bit that of the row minus its maximum (the same
    /// differences x − max, and a maximum of 0) — a maximum taken too low or too high would shift every exp.
    /// A NaN anywhere poisons the row.
    func testTheRowMaximumIsFoundWhereverItSits() {
        var rng = RandomGenerator(seed: 29)
        for len in [1, 5, 15, 16, 17, 31, 32, 33, 47, 78, 100] {
            for top in 0..<len {
                var x = (Tensor.normal([len], using: &rng) * 3).scalars
                x[top] = 40
                let shifted = x.map { $0 - 40 }
                var y = [Float](repeating: 0, count: len), z = y
                prune_softmax_rows_f32(x, &y, 1, Int64(len), 0)
                prune_softmax_rows_f32(shifted, &z, 1, Int64(len), 0)
                XCTAssertEqual(y.map(\.bitPattern), z.map(\.bitPattern), "len \(len), largest at \(top)")
                x[top] = .nan
                prune_softmax_rows_f32(x, &y, 1, Int64(len), 0)
                XCTAssertTrue(y.allSatisfy(\.isNaN), "len \(len): a NaN at \(top) did not poison the row")
            }
        }
    }

    func testSoftmaxEdgeRows() throws {
        let inf = Float.infinity
        let x = Tensor(unchecked: [4, 3], [0, -inf, -inf, -inf, -inf, -inf, 1, .nan, 2, -200, 0, -90])
        let y = try x.softmax(axis: -1).scalars
        XCTAssertEqual(Array(y[0..<3]), [1, 0, 0])
        XCTAssertTrue(y[3..<6].allSatisfy(\.isNaN), "a row of −∞ is 0/0")
        XCTAssertTrue(y[6..<9].allSatisfy(\.isNaN), "a NaN poisons its row")
        XCTAssertEqual(Array(y[9..<12]), [0, 1, 0], "terms below e^-87 are 0")
        let l = try x.logSoftmax(axis: -1).scalars
        XCTAssertEqual(l[0], 0); XCTAssertEqual(l[1], -inf); XCTAssertEqual(l[9], -200, accuracy: 1e-4)
    }

    func testSigmoidAgreesWithDoublePrecision() {
        var values: [Float] = [0, -0.0, 1e-8, -1e-8, 88, -88, 100, -100, 1_000, -1_000, .infinity, -.infinity]
        var rng = RandomGenerator(seed: 22)
        values += Tensor.normal([5_000], using: &rng).scalars.map { $0 * 12 }
        let y = Tensor(unchecked: [values.count], values).sigmoid().scalars
        for (v, got) in zip(values, y) {
            let want = 1 / (1 + Foundation.exp(-Double(v)))
            XCTAssertEqual(Double(got), want, accuracy: 3e-7 * want + 1e-38, "sigmoid(\(v))")
        }
        XCTAssertTrue(Tensor(unchecked: [1], [.nan]).sigmoid().scalars[0].isNaN)
    }

    func testGELUAgreesWithDoublePrecision() {
        var values: [Float] = [0, -0.0, 1e-30, -1e-30, 1e-4, -1e-4, 5, -5, 9, -9, 12, -12, 17, -17, 30, -30, 1e6]
        var rng = RandomGenerator(seed: 23)
        values += Tensor.normal([5_000], using: &rng).scalars.map { $0 * 4 }
        let y = Tensor(unchecked: [values.count], values).gelu().scalars
        for (v, got) in zip(values, y) {
            let want = 0.5 * Double(v) * erfc(-Double(v) / 2.0.squareRoot())
            XCTAssertEqual(Double(got), want, accuracy: 5e-7 * Swift.abs(want) + 1e-37, "gelu(\(v))")
        }
        let special = Tensor(unchecked: [3], [.infinity, -.infinity, .nan]).gelu().scalars
        XCTAssertEqual(special[0], .infinity)
        XCTAssertTrue(special[1].isNaN && special[2].isNaN, "−∞·0 and NaN, as the libm form gives")
    }

    func testErfAgreesWithDoublePrecision() {
        var values: [Float] = [0, -0.0, 1e-30, -1e-30, 1e-4, 0.4999, 0.5, -0.5, 0.5001, 3, -3, 4, 10, -10]
        var rng = RandomGenerator(seed: 24)
        values += Tensor.normal([5_000], using: &rng).scalars.map { $0 * 2 }
        let y = Tensor(unchecked: [values.count], values).erf().scalars
        for (v, got) in zip(values, y) {
            let want = Foundation.erf(Double(v))
            XCTAssertEqual(Double(got), want, accuracy: 3e-7 * Swift.abs(want) + 1e-40, "erf(\(v))")
        }
        let special = Tensor(unchecked: [3], [.infinity, -.infinity, .nan]).erf().scalars
        XCTAssertEqual(Array(special[0..<2]), [1, -1])
        XCTAssertTrue(special[2].isNaN)
    }

    func testTanhAgreesWithDoublePrecision() {
        var values: [Float] = [0, -0.0, 1e-30, -1e-30, 1e-4, 0.3999, 0.4, -0.4, 0.4001, 1, -3, 9, 9.1, -20, 100]
        var rng = RandomGenerator(seed: 25)
        values += Tensor.normal([5_000], using: &rng).scalars.map { $0 * 3 }
        values += Tensor.uniform([2_000], low: -0.5, high: 0.5, using: &rng).scalars
        let y = Tensor(unchecked: [values.count], values).tanh().scalars
        for (v, got) in zip(values, y) {
            let want = Foundation.tanh(Double(v))
            XCTAssertEqual(Double(got), want, accuracy: 2.4e-7 * Swift.abs(want) + 1e-45, "tanh(\(v))")
        }
        XCTAssertEqual(y[1].sign, .minus, "tanh(−0) = −0")
        let special = Tensor(unchecked: [3], [.infinity, -.infinity, .nan]).tanh().scalars
        XCTAssertEqual(Array(special[0..<2]), [1, -1])
        XCTAssertTrue(special[2].isNaN)
    }

    func testGeluTanhAgreesWithDoublePrecision() {
        var values: [Float] = [0, -0.0, 1e-30, 1e-4, -1e-4, 0.5, -0.5, 3, -3, 6, -6, 10, -10, 1e4]
        var rng = RandomGenerator(seed: 26)
        values += Tensor.normal([5_000], using: &rng).scalars.map { $0 * 4 }
        let y = Tensor(unchecked: [values.count], values).geluTanh().scalars
        for (v, got) in zip(values, y) {
            let x = Double(v), u = (2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)
            // x·(1 + tanh u)/2 as x/(1 + e^−2u), which keeps its digits where u is very negative (Double's
            // 1 + tanh u keeps only ~1e-16 absolute there); the argument's float rounding (a few ulp of 2u)
            // becomes relative error of e^−2u; below e^−87.3 the kernel's exp is 0 (|x|·e^−87.3 < 2e-36).
            let want = x / (1 + Foundation.exp(-2 * u))
            XCTAssertEqual(Double(got), want, accuracy: (5e-7 + 2e-7 * Swift.abs(2 * u)) * Swift.abs(want) + 2e-36,
                           "geluTanh(\(v))")
        }
    }

    func testPowersTwoAndThreeAreProducts() {
        var rng = RandomGenerator(seed: 27)
        let x = Tensor.normal([1_001], using: &rng) * 5
        XCTAssertEqual(x.pow(2).scalars, x.scalars.map { $0 * $0 })
        XCTAssertEqual(x.pow(3).scalars, x.scalars.map { $0 * $0 * $0 })
        XCTAssertEqual(x.abs().pow(2.5).scalars, x.abs().scalars.map { powf($0, 2.5) }, "others through powf")
    }
}
