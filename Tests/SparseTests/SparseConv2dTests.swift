import PruneAutodiff
import PruneNN
@testable import PruneSparse
import PruneTensor
import XCTest

/// Sparse convolution (CSR filters × im2col patches) against the dense convolution.
final class SparseConv2dTests: XCTestCase {
    func testEqualsDenseConvolutionAcrossGeometries() throws {
        let cases: [(inC: Int, outC: Int, k: (Int, Int), s: (Int, Int), p: (Int, Int), d: (Int, Int), hw: (Int, Int))] = [
            (1, 1, (1, 1), (1, 1), (0, 0), (1, 1), (1, 1)),
            (3, 8, (3, 3), (1, 1), (1, 1), (1, 1), (9, 7)),
            (4, 17, (5, 5), (2, 2), (2, 2), (1, 1), (13, 11)),
            (2, 5, (3, 2), (1, 2), (0, 1), (2, 1), (10, 9)),
            (16, 32, (3, 3), (1, 1), (1, 1), (1, 1), (14, 14)),
        ]
        for (ci, c) in cases.enumerated() {
            for sparsity in [0.0, 0.7, 1.0] {
                var rng = RandomGenerator(seed: UInt64(ci))
                let conv = Conv2d(weight: .normal([c.outC, c.inC, c.k.0, c.k.1], using: &rng), bias: .normal([c.outC], using: &rng),
                                  geometry: Conv2dGeometry(kernel: c.k, stride: c.s, padding: c.p, dilation: c.d))
                var mask = Tensor.ones(conv.weight.shape)
                for i in mask.scalars.indices where Double(rng.nextUniform()) < sparsity { mask.scalars[i] = 0 }
                conv.weight.mask = mask
                let x = Tensor.normal([3, c.inC, c.hw.0, c.hw.1], using: &rng)
                let dense = try withNoGrad { try conv.forward(Variable(x)).value }
                let sparse = try SparseConv2d(conv).forward(Variable(x)).value
                XCTAssertEqual(sparse.shape, dense.shape)
                for (a, b) in zip(sparse.scalars, dense.scalars) { XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b)), "case \(ci) at \(sparsity)") }
            }
        }
    }

    func testGroupedConvolutionsStayDense() throws {
        var rng = RandomGenerator(seed: 1)
        let depthwise = Conv2d(weight: .zeros([4, 1, 3, 3]), bias: nil, geometry: Conv2dGeometry(kernel: (3, 3), groups: 4))
        XCTAssertThrowsError(try SparseConv2d(depthwise))
        let model = Sequential(named: [("dw", depthwise), ("pw", Conv2d(4, 4, kernel: 1, rng: &rng))])
        let pw = try XCTUnwrap(model.module(at: "pw") as? Conv2d)
        pw.weight.mask = Tensor(unchecked: [4, 4, 1, 1], (0..<16).map { $0 % 4 == 0 ? 1 : 0 })
        XCTAssertEqual(try SparseLinear.convert(model, minimumSparsity: 0.5), ["pw"])
    }
}
