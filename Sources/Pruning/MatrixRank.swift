import CBLAS
import PruneTensor
#if canImport(Accelerate)
import Accelerate
#endif

/// The numerical rank of a matrix as `numpy.linalg.matrix_rank` and `torch.linalg.matrix_rank`
/// define it: the number of singular values above σ_max · max(m, n) · ε, with ε the machine epsilon of
/// the data's type (Float32 here, as the activations are). Singular values by LAPACK's dgesdd in Double.
public enum MatrixRank {
    /// Rank of the row-major `rows` × `columns` matrix `a`; nil when LAPACK does not converge.
    public static func rank(_ a: [Float], rows: Int, columns: Int) -> Int? {
        guard rows > 0, columns > 0 else { return 0 }
        if a.allSatisfy({ $0 == 0 }) { return 0 }
        guard let s = singularValues(a.map(Double.init), rows: rows, columns: columns), let top = s.max() else {
            return nil
        }
        let tolerance = top * Double(max(rows, columns)) * Double(Float.ulpOfOne)
        return s.filter { $0 > tolerance }.count
    }

    /// The singular values of a row-major matrix (any order).
    static func singularValues(_ a: [Double], rows: Int, columns: Int) -> [Double]? {
        var m = a
        var s = [Double](repeating: 0, count: min(rows, columns))
        #if canImport(Accelerate)
        // Row-major A is column-major Aᵀ, which has the same singular values.
        var jobz = Int8(UInt8(ascii: "N")), mm = __CLPK_integer(columns), nn = __CLPK_integer(rows), lda = mm
        var ldu = __CLPK_integer(1), ldvt = __CLPK_integer(1), info = __CLPK_integer(0), lwork = __CLPK_integer(-1)
        var u = [Double](repeating: 0, count: 1), vt = [Double](repeating: 0, count: 1)
        var work = [Double](repeating: 0, count: 1)
        var iwork = [__CLPK_integer](repeating: 0, count: 8 * min(rows, columns))
        dgesdd_(&jobz, &mm, &nn, &m, &lda, &s, &u, &ldu, &vt, &ldvt, &work, &lwork, &iwork, &info)
        lwork = __CLPK_integer(work[0]); work = [Double](repeating: 0, count: Int(lwork))
        dgesdd_(&jobz, &mm, &nn, &m, &lda, &s, &u, &ldu, &vt, &ldvt, &work, &lwork, &iwork, &info)
        guard info == 0 else { return nil }
        #else
        // Row-major A is column-major Aᵀ (columns × rows), which has the same singular values.
        var u = [Double](repeating: 0, count: 1), vt = [Double](repeating: 0, count: 1)
        let info = BLASThreads.multiThreaded {
            LAPACKE_dgesdd(LAPACK_COL_MAJOR, Int8(UInt8(ascii: "N")), Int32(columns), Int32(rows), &m,
                           Int32(columns), &s, &u, 1, &vt, 1)
        }
        guard info == 0 else { return nil }
        #endif
        return s
    }
}
