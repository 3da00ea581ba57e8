import XCTest
@testable import PruneTensor

/// Local response normalization's C kernel against the definition in Double (ONNX LRN: the window
/// ⌊(size−1)/2⌋ channels below and ⌈(size−1)/2⌉ above, clipped).
final class LocalResponseTests: XCTestCase {
    func reference(_ x: Tensor, size: Int, alpha: Double, beta: Double, bias: Double) -> [Double] {
        let n = x.shape[0], c = x.shape[1], inner = x.count / (n * c)
        var out = [Double](repeating: 0, count: x.count)
        for img in 0..<n {
            for ch in 0..<c {
                let lo = Swift.max(0, ch - (size - 1) / 2), hi = Swift.min(c - 1, ch + size - 1 - (size - 1) / 2)
                for p in 0..<inner {
                    var sum = 0.0
                    for k in lo...hi { let v = Double(x.scalars[(img * c + k) * inner + p]); sum += v * v }
                    let v = Double(x.scalars[(img * c + ch) * inner + p])
                    out[(img * c + ch) * inner + p] = v / Foundation.pow(bias + alpha / Double(size) * sum, beta)
                }
            }
        }
        return out
    }

    func testKernelMatchesTheDefinition() throws {
        var rng = RandomGenerator(seed: 9)
        for (shape, size, beta) in [([2, 7, 5, 6], 5, 0.75), ([1, 3, 40], 5, 0.75), ([1, 6, 3, 3], 4, 0.6),
                                    ([2, 1, 4, 4], 3, 1.0), ([1, 9, 17, 17], 2, 0.75)] {
            let x = Tensor.normal(shape, std: 3, using: &rng)
            let y = try Tensor.localResponseNormalization(x, size: size, alpha: 1e-3 * Float(size), beta: Float(beta),
                                                          bias: 1)
            let want = reference(x, size: size, alpha: 1e-3 * Double(size), beta: beta, bias: 1)
            XCTAssertEqual(y.shape, x.shape)
            for (a, b) in zip(y.scalars, want) {
                XCTAssertEqual(Double(a), b, accuracy: 2e-6 * Swift.max(1, Swift.abs(b)), "\(shape), size \(size)")
            }
        }
        XCTAssertThrowsError(try Tensor.localResponseNormalization(Tensor.zeros([3, 4]), size: 3, alpha: 1, beta: 1,
                                                                   bias: 1))
    }
}
