import PruneAutodiff
import PruneNN
import PruneTensor
import XCTest

/// ONNX pooling with explicit pads and ceil mode has two paths: without a gradient to record, one pass
/// over the input (``PoolWindow``); with one, a padded copy (its ceil-mode end padding from
/// ``PoolWindow/ceilPadding(h:w:)``) pooled by the differentiable kernels. Both give the same values.
final class PaddedPoolPathsTests: XCTestCase {
    func testGradientPathGivesTheValuesOfTheWindowPath() throws {
        var rng = RandomGenerator(seed: 4)
        let forms: [([Int], (Int, Int), (Int, Int), (Int, Int))] = [
            ([0, 0, 1, 1], (3, 3), (2, 2), (1, 1)), ([1, 0, 0, 1], (2, 2), (2, 2), (1, 1)),
            ([2, 1, 0, 2], (3, 2), (2, 3), (1, 1)), ([1, 1, 1, 1], (2, 3), (3, 2), (2, 1))]
        for (pads, kernel, stride, dilation) in forms {
            for ceil in [false, true] {
                for (isMax, includePad) in [(true, true), (false, false), (false, true)] {
                    let op = PaddedPoolOperator(isMax: isMax, padding: SpatialPadding(pads: pads, kernel: kernel,
                        stride: stride, dilation: dilation), ceilMode: ceil, countIncludePad: includePad)
                    let x = Tensor.normal([2, 3, 9, 10], using: &rng)
                    let fast = try withNoGrad { try op.run([.float(Variable(x))])[0].variable("y").value }
                    let recorded = try op.run([.float(Variable(x, requiresGrad: true))])[0].variable("y").value
                    let what = "\(pads), kernel \(kernel), stride \(stride), ceil \(ceil), max \(isMax)"
                    XCTAssertEqual(fast.shape, recorded.shape, what)
                    for (a, b) in zip(fast.scalars, recorded.scalars) {
                        XCTAssertEqual(a, b, accuracy: 1e-6 * Swift.max(1, Swift.abs(b)), what)
                    }
                }
            }
        }
    }
}
