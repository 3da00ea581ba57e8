import CBLAS
import PruneTensor
#if canImport(Accelerate)
import Accelerate
#endif

/// The eigendecomposition A = Q·diag(λ)·Qᵀ of a symmetric matrix through LAPACK's divide and
/// conquer (dsyevd): eigenvalues ascending, eigenvectors as the columns of the row-major Q.
struct SymmetricEigen {
    let values: [Double]
    let vectors: [Double]
    let n: Int

    /// nil when LAPACK does not converge.
    init?(_ a: [Double], n: Int) {
        var q = a
        var w = [Double](repeating: 0, count: n)
        var info: Int32 = 0
        #if canImport(Accelerate)
        // Row-major symmetric is its own column-major transpose; the eigenvectors come back as rows.
        var jobz = Int8(UInt8(ascii: "V")), uplo = Int8(UInt8(ascii: "L")), nn = __CLPK_integer(n), lda = nn
        var lwork = __CLPK_integer(-1), liwork = __CLPK_integer(-1), i = __CLPK_integer(0)
        var work = [Double](repeating: 0, count: 1), iwork = [__CLPK_integer](repeating: 0, count: 1)
        dsyevd_(&jobz, &uplo, &nn, &q, &lda, &w, &work, &lwork, &iwork, &liwork, &i)
        lwork = __CLPK_integer(work[0]); liwork = iwork[0]
        work = [Double](repeating: 0, count: Int(lwork)); iwork = [__CLPK_integer](repeating: 0, count: Int(liwork))
        dsyevd_(&jobz, &uplo, &nn, &q, &lda, &w, &work, &lwork, &iwork, &liwork, &i); info = Int32(i)
        if info == 0 { q = Self.transposed(q, n: n) }
        #else
        info = BLASThreads.multiThreaded {
            LAPACKE_dsyevd(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "U")), Int32(n), &q,
                           Int32(n), &w)
        }
        #endif
        guard info == 0 else { return nil }
        values = w; vectors = q; self.n = n
    }

    static func transposed(_ a: [Double], n: Int) -> [Double] {
        var t = a
        for i in 0..<n { for j in 0..<n { t[j * n + i] = a[i * n + j] } }
        return t
    }
}
