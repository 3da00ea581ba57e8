import CSparseKernels
@testable import PruneSparse
import PruneTensor
import XCTest

/// The batch-1 CSR kernels (csr_spmv.c: AVX2 inserts where the CPU has them, and the portable loop) against
/// a Double sum of the dense matrix, to 1e-6 of the sum of the products' magnitudes: every row length from 0
/// to 40 (the 16-entry steps, the 4-entry steps and the one-at-a-time tail in every combination), float and
/// int8 values, rows split at any point.
final class CSRVectorKernelTests: XCTestCase {
    /// Row r has `r % 41` entries at random distinct columns (so every length 0–40 appears).
    func matrix(rows: Int, columns: Int, seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        var w = Tensor.zeros([rows, columns])
        for r in 0..<rows {
            var free = Array(0..<columns)
            for _ in 0..<(r % 41) {
                let c = free.remove(at: Int(rng.nextUniform() * Float(free.count)) % free.count)
                w.scalars[r * columns + c] = rng.nextNormal()
            }
        }
        return w
    }

    func assertClose(_ y: [Float], _ w: Tensor, _ x: [Float], _ what: String) {
        let columns = w.shape[1]
        for r in 0..<w.shape[0] {
            var sum = 0.0, magnitude = 0.0
            for k in 0..<columns {
                let term = Double(w.scalars[r * columns + k]) * Double(x[k])
                sum += term; magnitude += abs(term)
            }
            XCTAssertEqual(Double(y[r]), sum, accuracy: 1e-6 * (1 + magnitude), "\(what), row \(r)")
        }
    }

    func testFloatRowsOfEveryLengthMatchDoubleSums() throws {
        // 2,100 rows hold ~42,000 weights: over BatchLayout.vectorSerialBelow, so split over the cores.
        for (rows, columns) in [(83, 45), (123, 700), (2100, 700)] {
            let w = matrix(rows: rows, columns: columns, seed: UInt64(rows))
            let csr = try CSRMatrix(dense: w)
            if rows == 2100 { XCTAssertGreaterThan(csr.nonzeros, BatchLayout.vectorSerialBelow) }
            var rng = RandomGenerator(seed: 5)
            let x = Tensor.normal([1, columns], using: &rng)
            let dispatched = try SparseKernels.multiply(csr, batch: x).scalars
            assertClose(dispatched, w, x.scalars, "dispatched \(rows)x\(columns)")
            var y = [Float](repeating: .nan, count: rows)
            prune_csr_spmv_rows_portable(csr.rowStart, csr.columnIndex, csr.values, nil, nil, x.scalars, 0,
                                         Int64(rows), &y)
            assertClose(y, w, x.scalars, "portable \(rows)x\(columns)")
            y = [Float](repeating: .nan, count: rows)
            prune_csr_spmv_rows(csr.rowStart, csr.columnIndex, csr.values, x.scalars, 0, 40, &y)
            prune_csr_spmv_rows(csr.rowStart, csr.columnIndex, csr.values, x.scalars, 40, Int64(rows), &y)
            assertClose(y, w, x.scalars, "split at row 40, \(rows)x\(columns)")
        }
    }

    func testInt8RowsOfEveryLengthMatchTheDequantizedDoubleSums() throws {
        let w = matrix(rows: 123, columns: 700, seed: 9)
        let q = try Int8CSRMatrix(dense: w)
        let deq = q.dense()
        var rng = RandomGenerator(seed: 6)
        let x = Tensor.normal([1, 700], using: &rng)
        assertClose(try q.multiply(batch: x).scalars, deq, x.scalars, "dispatched int8")
        var y = [Float](repeating: .nan, count: 123)
        prune_csr_spmv_rows_portable(q.structure.rowStart, q.structure.columnIndex, nil, q.values, q.scales,
                                     x.scalars, 0, 123, &y)
        assertClose(y, deq, x.scalars, "portable int8")
    }
}
