import PruneTensor
import XCTest

/// Products with one row or one column go through Prune's matrix-vector kernels (`gemv.c`; BLAS sgemv where
/// Prune's sgemm does not run): every transposition, alpha and beta against the product summed in Double.
final class MatrixVectorProductTests: XCTestCase {
    func reference(_ a: [Float], _ b: [Float], _ c: [Float], m: Int, n: Int, k: Int, transA: Bool, transB: Bool,
                   alpha: Float, beta: Float) -> [Double] {
        (0..<(m * n)).map { idx in
            let i = idx / n, j = idx % n
            var s = 0.0
            for p in 0..<k {
                let av = transA ? a[p * m + i] : a[i * k + p], bv = transB ? b[j * k + p] : b[p * n + j]
                s += Double(av) * Double(bv)
            }
            return Double(alpha) * s + Double(beta) * Double(c[idx])
        }
    }

    func testRowAndColumnProductsInEveryTransposition() {
        var rng = RandomGenerator(seed: 5)
        for (m, n, k) in [(1, 37, 53), (41, 1, 29), (1, 1, 64), (1, 3072, 768)] {
            for transA in [false, true] {
                for transB in [false, true] {
                    for (alpha, beta) in [(Float(1), Float(0)), (0.5, 1), (-2, 0.25)] {
                        let a = (0..<(m * k)).map { _ in rng.nextUniform() * 2 - 1 }
                        let b = (0..<(k * n)).map { _ in rng.nextUniform() * 2 - 1 }
                        var c = (0..<(m * n)).map { _ in rng.nextUniform() * 2 - 1 }
                        let expected = reference(a, b, c, m: m, n: n, k: k, transA: transA, transB: transB,
                                                 alpha: alpha, beta: beta)
                        a.withUnsafeBufferPointer { pa in
                            b.withUnsafeBufferPointer { pb in
                                c.withUnsafeMutableBufferPointer { pc in
                                    Tensor.gemm(pa.baseAddress!, pb.baseAddress!, pc.baseAddress!, m: m, n: n, k: k,
                                                transA: transA, transB: transB, alpha: alpha, beta: beta)
                                }
                            }
                        }
                        let worst = zip(c, expected).map { abs(Double($0) - $1) }.max() ?? 0
                        XCTAssertLessThan(worst, 1e-4 * Double(k).squareRoot(),
                                          "\(m)×\(n)×\(k) transA \(transA) transB \(transB) α \(alpha) β \(beta)")
                    }
                }
            }
        }
    }

    /// Products large enough to be cut over the cores (by columns when n ≥ m, by rows otherwise; each
    /// part its own sgemm on the worker pool) equal the product summed in Double, in every transposition.
    func testProductsCutOverTheCoresEqualTheSum() {
        var rng = RandomGenerator(seed: 7)
        for (m, n, k) in [(70, 300, 200), (300, 70, 200), (33, 1000, 64)] {
            for transA in [false, true] {
                for transB in [false, true] {
                    let a = (0..<(m * k)).map { _ in rng.nextUniform() * 2 - 1 }
                    let b = (0..<(k * n)).map { _ in rng.nextUniform() * 2 - 1 }
                    var c = (0..<(m * n)).map { _ in rng.nextUniform() * 2 - 1 }
                    let expected = reference(a, b, c, m: m, n: n, k: k, transA: transA, transB: transB,
                                             alpha: 0.5, beta: 1)
                    a.withUnsafeBufferPointer { pa in
                        b.withUnsafeBufferPointer { pb in
                            c.withUnsafeMutableBufferPointer { pc in
                                Tensor.gemm(pa.baseAddress!, pb.baseAddress!, pc.baseAddress!, m: m, n: n, k: k,
                                            transA: transA, transB: transB, alpha: 0.5, beta: 1)
                            }
                        }
                    }
                    let worst = zip(c, expected).map { abs(Double($0) - $1) }.max() ?? 0
                    XCTAssertLessThan(worst, 1e-4 * Double(k).squareRoot(), "\(m)×\(n)×\(k) \(transA) \(transB)")
                }
            }
        }
    }

    /// Under each instruction set the CPU runs (`gemv_avx512.c`, `gemv_avx2.c`): lengths past every step of
    /// the kernels (tails of 1–15 lanes, a last group of 1–3 rows, more than 64 rows and more than 1,024
    /// columns in the transposed form, cut over the cores), against the sum in Double; beta 0 never reads the
    /// output (it holds NaN).
    func testEachKernelSetMatchesTheSumAndBetaZeroNeverReadsTheOutput() {
        var rng = RandomGenerator(seed: 11)
        forEachSgemmKernelSet { set in
            for (m, n, k) in [(1, 2100, 131), (1, 131, 2100), (1, 23, 5), (1, 1, 1), (67, 1, 1100), (6, 1, 47)] {
                for (transA, transB) in [(false, false), (false, true), (true, false), (true, true)] {
                    for (alpha, beta) in [(Float(1), Float(0)), (-2, 0.25)] {
                        let a = (0..<(m * k)).map { _ in rng.nextUniform() * 2 - 1 }
                        let b = (0..<(k * n)).map { _ in rng.nextUniform() * 2 - 1 }
                        let start = (0..<(m * n)).map { _ in beta == 0 ? Float.nan : rng.nextUniform() * 2 - 1 }
                        var c = start
                        let expected = reference(a, b, beta == 0 ? [Float](repeating: 0, count: m * n) : start,
                                                 m: m, n: n, k: k, transA: transA, transB: transB,
                                                 alpha: alpha, beta: beta)
                        Tensor.gemm(a, b, &c, m: m, n: n, k: k, transA: transA, transB: transB, alpha: alpha,
                                    beta: beta)
                        let worst = zip(c, expected).map { abs(Double($0) - $1) }.max() ?? 0
                        XCTAssertLessThan(worst, 1e-4 * Double(k).squareRoot(),
                                          "\(set) \(m)×\(n)×\(k) transA \(transA) transB \(transB) β \(beta)")
                    }
                }
            }
        }
    }

    /// A Linear at batch 1 gives the row its batch-2 product gives, to float rounding.
    func testBatchOneMatchesTheSameRowOfABatch() throws {
        var rng = RandomGenerator(seed: 6)
        let w = Tensor(unchecked: [300, 200], (0..<60_000).map { _ in rng.nextUniform() - 0.5 })
        let x = Tensor(unchecked: [2, 200], (0..<400).map { _ in rng.nextUniform() - 0.5 })
        let both = try Tensor.matmul(x, w, transposeB: true)
        let one = try Tensor.matmul(try x.slice(axis: 0, start: 1, end: 2), w, transposeB: true)
        let row = Array(both.scalars[300...])
        XCTAssertLessThan(zip(one.scalars, row).map { abs($0 - $1) }.max() ?? 1, 1e-5)
    }
}
