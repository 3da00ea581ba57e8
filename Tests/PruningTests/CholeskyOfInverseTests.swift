import XCTest
import PruneTensor
@testable import PrunePruning

/// The upper factor of A⁻¹ from one factorization and one triangular inverse, against the definition.
final class CholeskyOfInverseTests: XCTestCase {
    /// A = BᵀB + n·I for a random B: symmetric positive definite.
    private func spd(_ n: Int, seed: UInt64) -> [Double] {
        var rng = RandomGenerator(seed: seed)
        let b = (0..<(n * n)).map { _ in Double.random(in: -1...1, using: &rng) }
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { for k in 0..<n { a[i * n + j] += b[k * n + i] * b[k * n + j] } } }
        for i in 0..<n { a[i * n + i] += Double(n) }
        return a
    }

    func testFactorTimesItsTransposeIsTheInverse() throws {
        for n in [1, 2, 7, 64, 130] {
            let a = spd(n, seed: UInt64(n))
            let u = try XCTUnwrap(Cholesky.upperFactorOfInverse(a, n: n))
            // U upper with a positive diagonal, and (UᵀU)·A = I.
            for i in 0..<n {
                XCTAssertGreaterThan(u[i * n + i], 0)
                for j in 0..<i { XCTAssertEqual(u[i * n + j], 0) }
            }
            for i in 0..<n {
                for j in 0..<n {
                    var product = 0.0
                    for k in 0..<n {
                        var inverse = 0.0
                        for t in 0...min(i, k) { inverse += u[t * n + i] * u[t * n + k] }
                        product += inverse * a[k * n + j]
                    }
                    XCTAssertEqual(product, i == j ? 1 : 0, accuracy: 1e-9, "n \(n) [\(i), \(j)]")
                }
            }
        }
    }

    func testEqualsTheFactorOfTheExplicitInverse() throws {
        let n = 50, a = spd(n, seed: 9)
        var reference = a
        XCTAssertTrue(Cholesky.invert(&reference, n: n))
        XCTAssertTrue(Cholesky.factor(&reference, n: n, upper: true))
        let u = try XCTUnwrap(Cholesky.upperFactorOfInverse(a, n: n))
        for i in 0..<(n * n) { XCTAssertEqual(u[i], reference[i], accuracy: 1e-12) }
    }

    func testNotPositiveDefiniteIsNil() {
        XCTAssertNil(Cholesky.upperFactorOfInverse([1, 2, 2, 1], n: 2))
    }
}
