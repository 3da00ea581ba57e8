#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif
import PruneTensor

extension Cholesky {
    /// U, the upper Cholesky factor of A⁻¹ (A⁻¹ = UᵀU, row-major, lower triangle zero), from one
    /// factorization and one triangular inverse: with J the order-reversing permutation, J·A·J = L·Lᵀ
    /// gives A⁻¹ = (J·L⁻¹·J)ᵀ(J·L⁻¹·J), and J·L⁻¹·J is upper triangular with a positive diagonal, so it
    /// is the factor. Half the flops of inverting A (dpotrf, dpotri) and factoring the inverse again, as
    /// SparseGPT's reference computes its H⁻¹ factor (Frantar & Alistarh, ICML 2023).
    /// Returns nil when `a` is not positive definite.
    public static func upperFactorOfInverse(_ a: [Double], n: Int) -> [Double]? {
        precondition(a.count == n * n)
        var r = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { r[i * n + j] = a[(n - 1 - i) * n + (n - 1 - j)] } }
        // Column-major lower is row-major upper: r[q][p] holds L[p][q] (p ≥ q), then L⁻¹[p][q].
        guard lowerFactorAndInverse(&r, n: n) else { return nil }
        var u = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in i..<n { u[i * n + j] = r[(n - 1 - j) * n + (n - 1 - i)] } }
        return u
    }

    /// dpotrf then dtrtri on the column-major lower triangle of `r`, on the calling thread: under
    /// ``BLASThreads/multiThreaded(_:)`` a SparseGPT job on SmolLM2 gave a different perplexity in about
    /// one run in ten; on one thread every run, at every thread count, gives the same factor.
    private static func lowerFactorAndInverse(_ r: inout [Double], n: Int) -> Bool {
        #if canImport(Accelerate)
        var lower = Int8(UInt8(ascii: "L")), nonUnit = Int8(UInt8(ascii: "N"))
        var nn = __CLPK_integer(n), lda = __CLPK_integer(n), info = __CLPK_integer(0)
        dpotrf_(&lower, &nn, &r, &lda, &info)
        guard info == 0 else { return false }
        dtrtri_(&lower, &nonUnit, &nn, &r, &lda, &info)
        return info == 0
        #else
        let lower = Int8(UInt8(ascii: "L"))
        guard LAPACKE_dpotrf(LAPACK_COL_MAJOR, lower, Int32(n), &r, Int32(n)) == 0 else { return false }
        return LAPACKE_dtrtri(LAPACK_COL_MAJOR, lower, Int8(UInt8(ascii: "N")), Int32(n), &r, Int32(n)) == 0
        #endif
    }
}
