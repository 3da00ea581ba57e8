import CBLAS
import PruneTensor
#if canImport(Accelerate)
import Accelerate
#endif

/// Cholesky-based routines on symmetric positive-definite matrices through LAPACK
/// (LAPACKE on Linux, the Fortran interface of Accelerate on Apple platforms).
public enum Cholesky {
    /// Replaces the row-major symmetric matrix `a` (n×n) by its inverse, via A = LLᵀ (dpotrf) and
    /// dpotri. Returns false when `a` is not positive definite.
    public static func invert(_ a: inout [Double], n: Int) -> Bool {
        guard factor(&a, n: n, upper: true) else { return false }
        var info: Int32 = 0
        #if canImport(Accelerate)
        var uplo = Int8(UInt8(ascii: "L")), nn = __CLPK_integer(n), lda = __CLPK_integer(n), i = __CLPK_integer(0)
        dpotri_(&uplo, &nn, &a, &lda, &i); info = Int32(i)
        #else
        // Row-major upper is column-major lower: no transposed copy.
        info = BLASThreads.multiThreaded {
            LAPACKE_dpotri(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "L")), Int32(n), &a, Int32(n))
        }
        #endif
        guard info == 0 else { return false }
        for i in 0..<n { for j in 0..<i { a[i * n + j] = a[j * n + i] } }
        return true
    }

    /// Factors the row-major symmetric matrix `a` in place: upper (A = UᵀU) or lower (A = LLᵀ);
    /// the other triangle is zeroed. Returns false when `a` is not positive definite.
    @discardableResult
    public static func factor(_ a: inout [Double], n: Int, upper: Bool) -> Bool {
        var info: Int32 = 0
        // Row-major upper is column-major lower: no transposed copy.
        #if canImport(Accelerate)
        var uplo = Int8(UInt8(ascii: upper ? "L" : "U")), nn = __CLPK_integer(n), lda = __CLPK_integer(n), i = __CLPK_integer(0)
        dpotrf_(&uplo, &nn, &a, &lda, &i); info = Int32(i)
        #else
        info = BLASThreads.multiThreaded {
            LAPACKE_dpotrf(LAPACK_COL_MAJOR, Int8(UInt8(ascii: upper ? "L" : "U")), Int32(n), &a, Int32(n))
        }
        #endif
        guard info == 0 else { return false }
        for i in 0..<n { for j in 0..<n where upper ? j < i : j > i { a[i * n + j] = 0 } }
        return true
    }

    /// The mean of the first `count` diagonal entries of a row-major matrix with rows of `stride`.
    public static func meanDiagonal(_ a: [Double], count: Int, stride: Int) -> Double {
        (0..<count).reduce(0.0) { $0 + a[$1 * stride + $1] } / Double(max(count, 1))
    }

    /// Adds max(`fraction` × their mean, `floor`) to the first `count` diagonal entries (a ridge that keeps
    /// a Gram matrix of inputs that never fire positive definite, as SparseGPT dampens its Hessian).
    public static func dampen(_ a: inout [Double], count: Int, stride: Int, fraction: Double, floor: Double) {
        let ridge = max(fraction * meanDiagonal(a, count: count, stride: stride), floor)
        for i in 0..<count { a[i * stride + i] += ridge }
    }
}
