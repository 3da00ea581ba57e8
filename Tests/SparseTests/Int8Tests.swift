import PruneAutodiff
import PruneNN
@testable import PruneSparse
import PruneTensor
import CDenseKernels
import XCTest

/// int8 per-row symmetric quantization, dense and CSR, against the dense reference.
final class Int8Tests: XCTestCase {
    func testQuantizationErrorIsAtMostHalfAStepAndZerosStayZero() throws {
        var rng = RandomGenerator(seed: 4)
        var w = Tensor.normal([37, 53], using: &rng)
        for i in w.scalars.indices where i % 3 == 0 { w.scalars[i] = 0 }
        for j in 0..<53 { w.scalars[5 * 53 + j] = 0 }    // an all-zero row
        let m = try Int8Matrix(dense: w)
        let d = m.dense()
        for r in 0..<37 {
            for j in 0..<53 {
                let a = w.scalars[r * 53 + j], b = d.scalars[r * 53 + j]
                XCTAssertLessThanOrEqual(abs(a - b), m.scales[r] / 2 + 1e-7)
                if a == 0 { XCTAssertEqual(b, 0) }
            }
        }
        XCTAssertEqual(m.bytes, 37 * 53 + 4 * 37)
        let c = try Int8CSRMatrix(dense: w)
        XCTAssertEqual(c.dense(), d, "CSR int8 holds the same quantized matrix")
        XCTAssertLessThan(c.bytes, c.structure.bytes)
    }

    func testProductsEqualTheDequantizedDenseProduct() throws {
        for (r, cdim) in [(1, 1), (3, 17), (64, 33), (130, 300), (512, 1024), (700, 40)] {
            var rng = RandomGenerator(seed: UInt64(r))
            var w = Tensor.normal([r, cdim], using: &rng)
            for i in w.scalars.indices where rng.nextUniform() < 0.8 { w.scalars[i] = 0 }
            for s in [try Int8Matrix(dense: w) as any SparseWeight, try Int8CSRMatrix(dense: w)] {
                let deq = s.dense()
                for batch in [1, 5, 64] {
                    let x = Tensor.normal([batch, cdim], using: &rng)
                    let ref = try Tensor.matmul(x, deq, transposeB: true), y = try s.multiply(batch: x)
                    for (a, b) in zip(y.scalars, ref.scalars) { XCTAssertEqual(a, b, accuracy: 1e-3 * max(1, abs(b)), "\(s.formatName) \(r)x\(cdim) batch \(batch)") }
                    if s is Int8Matrix, batch > 1, prune_sgemm_available() != 0 {
                        // Panels of dequantized rows through Prune's sgemm: the same operations per value as
                        // the dense product of the dequantized matrix, whatever panel or core a row falls in.
                        let differing = zip(y.scalars, ref.scalars).filter { $0 != $1 }.count
                        XCTAssertEqual(differing, 0, "\(r)x\(cdim) batch \(batch): values off the dense product's bits")
                    }
                }
            }
        }
    }

    func testNaNWeightsAreRejected() {
        var w = Tensor.ones([2, 2]); w.scalars[1] = .nan
        XCTAssertThrowsError(try Int8Matrix(dense: w)) { XCTAssertTrue("\($0)".contains("NaN")) }
    }
}
