import CSparseKernels
@testable import PruneSparse
import PruneTensor
import XCTest

/// The 2:4 kernels (two_four.c with AVX-512, two_four_avx2.c with AVX2) against a Double sum of the dense
/// matrix, to 1e-6 of the sum of the products' magnitudes (float rounding over up to 1,030 terms): every
/// batch width from 1 to 70 (every tile of 1–8 registers and the rows a tile takes at each), batches over 64
/// columns, row counts that leave partial tiles and blocks, group counts that are odd, not a multiple of the
/// 16-group chunk, or of the 4 groups the batch-1 kernel takes at a time.
final class TwoFourKernelTests: XCTestCase {
    /// A 2:4 matrix with both values of a group at random positions (and some groups with one zero).
    func twoFour(rows: Int, columns: Int, seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        var w = Tensor.normal([rows, columns], using: &rng)
        for r in 0..<rows {
            for g in stride(from: 0, to: columns, by: 4) {
                let a = Int(rng.nextUniform() * 4) % 4, b = (a + 1 + Int(rng.nextUniform() * 3) % 3) % 4
                for j in g..<min(g + 4, columns) where j - g != a && j - g != b { w.scalars[r * columns + j] = 0 }
                if rng.nextUniform() < 0.1 { w.scalars[r * columns + g + a] = 0 }
            }
        }
        return w
    }

    /// The AVX2 kernels called directly (on an AVX-512 CPU the product above takes the AVX-512 ones), nil where
    /// the CPU has no AVX2.
    func avx2Products(_ p: NMSparseMatrix, _ x: Tensor) -> [Float]? {
        let b = x.shape[0], groups = Int64(p.groups)
        var y = [Float](repeating: .nan, count: b * p.rows)
        var done: Int32 = 0
        if b == 1 {
            let xp = x.scalars + [Float](repeating: 0, count: p.groups * 4 - p.columns)
            done = prune_nm24_spmv_avx2(p.values, p.indices, groups, xp, 0, Int64(p.rows), &y)
        } else {
            let (xt, bp) = BatchLayout.transposed(x, paddedColumns: p.groups * 4)
            done = xt.withUnsafeBufferPointer { xs in
                prune_nm24_spmm_avx2(p.values, p.indices, groups, xs.baseAddress, Int64(bp), Int64(b), 0,
                                     Int64(p.rows), &y, Int64(p.rows))
            }
        }
        return done == 1 ? y : nil
    }

    func check(rows: Int, columns: Int, batches: [Int], seed: UInt64) throws {
        let w = twoFour(rows: rows, columns: columns, seed: seed)
        let packed = try NMSparseMatrix(dense: w, n: 2, m: 4)
        for batch in batches {
            var rng = RandomGenerator(seed: seed + UInt64(batch))
            let x = Tensor.normal([batch, columns], using: &rng)
            let y = try packed.multiply(batch: x)
            XCTAssertEqual(y.shape, [batch, rows])
            let direct = avx2Products(packed, x)
            XCTAssertEqual(direct == nil, prune_csr_spmm_isa() < 256, "the AVX2 kernels run wherever AVX2 does")
            for i in 0..<batch {
                for r in 0..<rows {
                    var sum = 0.0, magnitude = 0.0
                    for k in 0..<columns {
                        let term = Double(x.scalars[i * columns + k]) * Double(w.scalars[r * columns + k])
                        sum += term
                        magnitude += abs(term)
                    }
                    let products = [(y.scalars[i * rows + r], "product"), (direct?[i * rows + r] ?? Float(sum), "AVX2")]
                    for (got, what) in products where abs(Double(got) - sum) > 1e-6 * (1 + magnitude) {
                        XCTFail("\(what) \(rows)x\(columns), batch \(batch), row \(r), column \(i): \(got) vs \(sum)")
                        return
                    }
                }
            }
        }
    }

    func testEveryBatchWidthAgainstDoubleSums() throws {
        try check(rows: 45, columns: 132, batches: Array(1...70), seed: 1)
    }

    func testRowsGroupsAndChunksThatDoNotDivide() throws {
        for (rows, columns) in [(1, 4), (7, 20), (33, 68), (70, 260), (9, 1030)] {
            try check(rows: rows, columns: columns, batches: [1, 5, 16, 64, 130], seed: UInt64(rows * columns))
        }
    }

    func testLargeEnoughToSplitOverCores() throws {
        try check(rows: 256, columns: 1024, batches: [1, 64], seed: 7)
    }

    /// A batch of 1,024 (Xᵀ's rows 4 KB apart: copied into 64-column panels) and of 48 (a stride of 48).
    func testStridesThatAreCopiedIntoPanels() throws {
        try check(rows: 20, columns: 200, batches: [48, 1024], seed: 11)
    }
}
