import PruneAutodiff
import PruneNN
@testable import PruneSparse
import PruneTensor
import XCTest

/// Block-sparse and packed N:M formats against the dense reference on random shapes, including
/// 1×1, sizes that are not multiples of the block or of M, empty rows, all-zero and all-non-zero.
final class StructuredFormatTests: XCTestCase {
    let shapes = [(1, 1), (1, 9), (7, 1), (5, 17), (9, 33), (33, 64), (64, 31), (100, 300)]

    func random(_ r: Int, _ c: Int, seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        return Tensor.normal([r, c], using: &rng)
    }

    func checkProducts(_ s: any SparseWeight, _ w: Tensor, _ what: String) throws {
        for batch in [1, 3, 16, 65] {
            var rng = RandomGenerator(seed: UInt64(batch))
            let x = Tensor.normal([batch, w.shape[1]], using: &rng)
            let dense = try Tensor.matmul(x, w, transposeB: true)
            let sparse = try s.multiply(batch: x)
            XCTAssertEqual(sparse.shape, dense.shape, what)
            for (a, b) in zip(sparse.scalars, dense.scalars) { XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b)), "\(what), batch \(batch)") }
        }
    }

    func testBlockSparseEqualsDense() throws {
        for (si, (r, c)) in shapes.enumerated() {
            for (br, bc) in [(1, 4), (4, 1), (4, 4), (8, 1), (2, 3)] {
                for fill in [0.0, 0.3, 1.0] {
                    var w = random(r, c, seed: UInt64(si))
                    // Zero whole blocks with probability 1 − fill, and one whole row.
                    var rng = RandomGenerator(seed: UInt64(si * 7 + br))
                    for i in stride(from: 0, to: r, by: br) {
                        for j in stride(from: 0, to: c, by: bc) where Double(rng.nextUniform()) >= fill {
                            for ii in i..<min(i + br, r) { for jj in j..<min(j + bc, c) { w.scalars[ii * c + jj] = 0 } }
                        }
                    }
                    if r > 2 { for j in 0..<c { w.scalars[2 * c + j] = 0 } }
                    let b = try BlockSparseMatrix(dense: w, blockRows: br, blockColumns: bc)
                    XCTAssertEqual(b.dense(), w, "\(r)x\(c) in \(br)x\(bc) blocks, fill \(fill)")
                    try checkProducts(b, w, "BSR \(br)x\(bc) \(r)x\(c) fill \(fill)")
                }
            }
        }
        // Unstructured zeros are kept exactly inside stored blocks.
        var w = random(12, 20, seed: 9)
        for i in w.scalars.indices where i % 3 == 0 { w.scalars[i] = 0 }
        let b = try BlockSparseMatrix(dense: w, blockRows: 4, blockColumns: 4)
        XCTAssertEqual(b.dense(), w)
        XCTAssertThrowsError(try BlockSparseMatrix(dense: w, blockRows: 9, blockColumns: 1))
    }

    func testNOfMEqualsDense() throws {
        for (si, (r, c)) in shapes.enumerated() {
            for (n, m) in [(2, 4), (1, 4), (4, 8), (3, 16)] {
                var w = random(r, c, seed: UInt64(si + 100))
                // Keep the first n of every run of m (then drop a few more, so some runs are under-full).
                var rng = RandomGenerator(seed: UInt64(si))
                for i in 0..<r {
                    for j in 0..<c where j % m >= n || rng.nextUniform() < 0.2 { w.scalars[i * c + j] = 0 }
                }
                let p = try NMSparseMatrix(dense: w, n: n, m: m)
                XCTAssertEqual(p.dense(), w, "\(r)x\(c) \(n):\(m)")
                if r * c >= 1000 && c % m == 0 { XCTAssertEqual(p.bytes, 4 * r * c * n / m + (r * c * n / m * p.indexBits + 7) / 8, "values plus compact indices") }
                try checkProducts(p, w, "\(n):\(m) \(r)x\(c)")
            }
            let zeros = Tensor.zeros([r, c])
            XCTAssertEqual(try NMSparseMatrix(dense: zeros, n: 2, m: 4).dense(), zeros)
        }
        let full = random(4, 8, seed: 1)
        XCTAssertThrowsError(try NMSparseMatrix(dense: full, n: 2, m: 4)) { XCTAssertTrue("\($0)".contains("row 0"), "\($0)") }
        XCTAssertThrowsError(try NMSparseMatrix(dense: full, n: 2, m: 32))
    }

    func testThreadedPathsEqualDense() throws {
        var w = random(512, 1024, seed: 5)
        for i in 0..<512 { for j in 0..<1024 where j % 4 >= 2 { w.scalars[i * 1024 + j] = 0 } }
        try checkProducts(try NMSparseMatrix(dense: w, n: 2, m: 4), w, "2:4 512x1024")
        try checkProducts(try BlockSparseMatrix(dense: w, blockRows: 4, blockColumns: 1), w, "4x1 512x1024")
    }

    func testChooserAndSparseLinearKeepOutputs() throws {
        var rng = RandomGenerator(seed: 2)
        let model = Sequential(named: [("fc1", Linear(64, 96, rng: &rng)), ("relu", ReLU()), ("fc2", Linear(96, 10, rng: &rng)), ("fc3", Linear(10, 10, rng: &rng))])
        let fc1 = try XCTUnwrap(model.module(at: "fc1") as? Linear), fc2 = try XCTUnwrap(model.module(at: "fc2") as? Linear)
        fc1.weight.mask = Tensor(unchecked: [96, 64], (0..<(96 * 64)).map { $0 % 4 < 2 ? 1 : 0 })   // 2:4
        fc2.weight.mask = Tensor(unchecked: [10, 96], (0..<960).map { $0 % 10 == 0 ? 1 : 0 })      // 90% unstructured
        let x = Tensor.normal([5, 64], using: &rng)
        model.eval()
        let before = try withNoGrad { try model.forward(Variable(x)).value }
        let converted = try SparseLinear.convert(model, minimumSparsity: 0.5, chooser: SparseFormatChooser(batch: 5))
        XCTAssertEqual(converted.map(\.path), ["fc1", "fc2"], "fc3 is dense and stays")
        let after = try withNoGrad { try model.forward(Variable(x)).value }
        for (a, b) in zip(after.scalars, before.scalars) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        for f in [SparseFormat.csr, .blocks(rows: 4, columns: 1), .nOfM(n: 2, m: 4)] {
            let layer = try SparseLinear(fc1, format: f)
            let y = try withNoGrad { try layer.forward(Variable(x.reshaped([5, 1, 64]))).value }
            XCTAssertEqual(y.shape, [5, 1, 96], "leading axes are kept")
        }
    }

    /// A pruned layer that stays dense (no sparse format to try) keeps its outputs, but its mask is
    /// folded into the weight: inference no longer multiplies the weight by the mask on every call.
    func testALayerKeptDenseStoresItsZerosInsteadOfItsMask() throws {
        var rng = RandomGenerator(seed: 3)
        let model = Sequential(named: [("fc", Linear(32, 16, rng: &rng))])
        let fc = try XCTUnwrap(model.module(at: "fc") as? Linear)
        fc.weight.mask = Tensor(unchecked: [16, 32], (0..<512).map { $0 % 3 == 0 ? 1 : 0 })
        let x = Tensor.normal([4, 32], using: &rng)
        let before = try withNoGrad { try model.forward(Variable(x)).value }
        let converted = try SparseLinear.convert(model, minimumSparsity: 0.5,
                                                 chooser: SparseFormatChooser(batch: 4, candidates: []))
        XCTAssertEqual(converted.map(\.format), ["dense"])
        XCTAssertTrue(try model.module(at: "fc") is Linear)
        XCTAssertNil(fc.weight.mask)
        XCTAssertEqual(fc.weight.value.scalars.filter { $0 == 0 }.count, 512 - 171)
        let after = try withNoGrad { try model.forward(Variable(x)).value }
        XCTAssertEqual(after.scalars, before.scalars)
    }
}
