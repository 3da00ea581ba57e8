import XCTest
import CDenseKernels
@testable import PruneTensor

/// The sums of many short rows eight at a time (row_sums.c) bit for bit against `prune_sum_f32` row by row, and
/// the global average poolings that use them against the per-plane pooling kernel and a sum in Double.
final class RowSumsTests: XCTestCase {
    /// Values whose sums depend on the order they are added in: magnitudes from 1e-3 to 1e6, both signs, and
    /// now and then a zero of either sign.
    func values(_ count: Int, seed: UInt64) -> [Float] {
        var rng = RandomGenerator(seed: seed)
        return Tensor.normal([count], using: &rng).scalars.enumerated().map { i, v in
            i % 17 == 3 ? (i % 2 == 0 ? 0 : -0.0) : v * Float([1e-3, 1, 1e3, 1e6][i % 4])
        }
    }

    func testRowSumsMatchTheOneRowSum() {
        for length in Array(1...40) + [49, 169] {
            for rows in [1, 7, 8, 9, 16, 19] {
                for stride in [length, length + 5] {
                    let x = values(rows * stride, seed: UInt64(length * 100 + rows))
                    var sums = [Float](repeating: .nan, count: rows)
                    x.withUnsafeBufferPointer { p in
                        prune_row_sums_f32(p.baseAddress!, Int64(rows), Int64(length), Int64(stride), &sums)
                        for r in 0..<rows {
                            let own = prune_sum_f32(p.baseAddress! + r * stride, Int64(length))
                            XCTAssertEqual(sums[r].bitPattern, own.bitPattern,
                                           "row \(r) of \(rows), length \(length), stride \(stride)")
                        }
                    }
                }
            }
        }
    }

    /// NaNs and infinities go through as in the one-row sum; a row of zeros of either sign sums to +0.
    func testSpecialValues() {
        let length = 49, rows = 8
        var x = [Float](repeating: 1, count: rows * length)
        x[3] = .nan
        x[length + 10] = .infinity
        x[2 * length + 48] = -.infinity
        x[3 * length + 1] = .infinity
        x[3 * length + 2] = -.infinity
        for i in 4 * length ..< 5 * length { x[i] = i % 2 == 0 ? -0.0 : 0 }
        var sums = [Float](repeating: 7, count: rows)
        prune_row_sums_f32(x, Int64(rows), Int64(length), Int64(length), &sums)
        XCTAssertTrue(sums[0].isNaN)
        XCTAssertEqual(sums[1], .infinity)
        XCTAssertEqual(sums[2], -.infinity)
        XCTAssertTrue(sums[3].isNaN)
        XCTAssertEqual(sums[4].bitPattern, Float(0).bitPattern)
        XCTAssertEqual(sums[5], Float(length))
    }

    /// AveragePool with one window of whole rows from the top (all of them: a global pooling; or the first few)
    /// gives the per-plane kernel's bits and the window's mean within rounding, over the cores or not.
    func testWholeRowWindowsPoolAsThePlaneKernel() throws {
        for (shape, rows) in [([64, 64, 7, 7], 7), ([3, 5, 13, 13], 13), ([2, 9, 6, 5], 4), ([1, 3, 1, 1], 1)] {
            let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
            let x = try Tensor(shape: shape, scalars: values(n * c * h * w, seed: UInt64(h * 10 + rows)))
            let g = Conv2dGeometry(kernel: (rows, w), stride: (rows, w))
            let pooled = try Tensor.avgPool2d(x, geometry: g)
            XCTAssertEqual(pooled.shape, [n, c, 1, 1])
            let scale = [1 / Float(rows * w)]
            x.scalars.withUnsafeBufferPointer { p in
                for plane in 0..<n * c {
                    var own: Float = .nan
                    prune_avgpool_f32(p.baseAddress! + plane * h * w, Int64(h), Int64(w), 1, 1, Int64(rows),
                                      Int64(w), Int64(rows), Int64(w), 0, 0, 1, 1, scale, &own)
                    XCTAssertEqual(pooled.scalars[plane].bitPattern, own.bitPattern, "plane \(plane) of \(shape)")
                    let exact = p[plane * h * w ..< plane * h * w + rows * w].reduce(0.0) { $0 + Double($1) }
                    XCTAssertEqual(Double(pooled.scalars[plane]), exact / Double(rows * w),
                                   accuracy: 1e-5 * 1e6 * Double(rows * w))
                }
            }
        }
    }
}
