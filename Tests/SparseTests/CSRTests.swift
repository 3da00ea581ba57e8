import PruneAutodiff
import PruneNN
@testable import PruneSparse
import PruneTensor
import XCTest

final class CSRTests: XCTestCase {
    func randomSparse(_ rows: Int, _ cols: Int, sparsity: Double, seed: UInt64) -> Tensor {
        var rng = RandomGenerator(seed: seed)
        var t = Tensor.normal([rows, cols], using: &rng)
        for i in t.scalars.indices where Double(rng.nextUniform()) < sparsity { t.scalars[i] = 0 }
        return t
    }

    func testRoundTripAndProductsEqualDense() throws {
        let shapes = [(1, 1), (1, 7), (7, 1), (5, 17), (33, 64), (64, 33), (100, 300)]
        for (si, (r, c)) in shapes.enumerated() {
            for sparsity in [0.0, 0.5, 0.9, 1.0] {
                let w = randomSparse(r, c, sparsity: sparsity, seed: UInt64(si * 10) + UInt64(sparsity * 10))
                let csr = try CSRMatrix(dense: w)
                XCTAssertEqual(csr.dense(), w)
                XCTAssertEqual(csr.nonzeros, w.scalars.filter { $0 != 0 }.count)
                for batch in [1, 3, 16, 65] {
                    var rng = RandomGenerator(seed: 99)
                    let x = Tensor.normal([batch, c], using: &rng)
                    let dense = try Tensor.matmul(x, w, transposeB: true)
                    let sparse = try SparseKernels.multiply(csr, batch: x)
                    XCTAssertEqual(sparse.shape, dense.shape)
                    for (a, b) in zip(sparse.scalars, dense.scalars) { XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b)), "\(r)x\(c) at \(sparsity), batch \(batch)") }
                }
            }
        }
        // Large enough to take the threaded path.
        let big = randomSparse(512, 1024, sparsity: 0.5, seed: 7)
        let csr = try CSRMatrix(dense: big)
        var rng = RandomGenerator(seed: 3)
        for batch in [1, 64] {
            let x = Tensor.normal([batch, 1024], using: &rng)
            let d = try Tensor.matmul(x, big, transposeB: true), s = try SparseKernels.multiply(csr, batch: x)
            for (a, b) in zip(s.scalars, d.scalars) { XCTAssertEqual(a, b, accuracy: 1e-3 * max(1, abs(b))) }
        }
        XCTAssertThrowsError(try SparseKernels.multiply(csr, batch: Tensor.zeros([2, 5])))
        XCTAssertThrowsError(try CSRMatrix(dense: Tensor.zeros([2, 2, 2])))
    }

    func testSparseLinearMatchesTheDenseLayer() throws {
        var rng = RandomGenerator(seed: 1)
        let model = Sequential(named: [("fc1", Linear(20, 30, rng: &rng)), ("relu", ReLU()), ("fc2", Linear(30, 5, rng: &rng))])
        let fc1 = try XCTUnwrap(model.module(at: "fc1") as? Linear)
        var mask = Tensor.ones(fc1.weight.shape)
        for i in mask.scalars.indices where i % 10 != 0 { mask.scalars[i] = 0 }
        fc1.weight.mask = mask
        let x = Tensor.normal([4, 20], using: &rng)
        model.eval()
        let before = try withNoGrad { try model.forward(Variable(x)).value }
        XCTAssertEqual(try SparseLinear.convert(model, minimumSparsity: 0.5), ["fc1"])
        let after = try withNoGrad { try model.forward(Variable(x)).value }
        for (a, b) in zip(after.scalars, before.scalars) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }
}
