import Foundation
import CBLAS

/// Row-major Double matrix products through BLAS (dgemm), for the reconstruction methods' small dense
/// problems (DCP's gradients, the auxiliary classifier).
enum DoubleMatrix {
    /// op(A)·op(B): `m` × `n`, with op(A) `m` × `k` and op(B) `k` × `n`; `transposeA`/`transposeB` read
    /// A as `k` × `m` or B as `n` × `k`.
    static func product(_ a: [Double], _ b: [Double], m: Int, k: Int, n: Int,
                        transposeA: Bool = false, transposeB: Bool = false) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        guard m > 0, n > 0, k > 0 else { return c }
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(transposeA ? m : k), b, Int32(transposeB ? k : n),
                    0, &c, Int32(n))
        return c
    }

    /// The largest singular value of a row-major `rows` × `columns` matrix (0 for an empty or zero one,
    /// nil when LAPACK does not converge).
    static func largestSingularValue(_ a: [Double], rows: Int, columns: Int) -> Double? {
        guard rows > 0, columns > 0, a.contains(where: { $0 != 0 }) else { return 0 }
        return MatrixRank.singularValues(a, rows: rows, columns: columns)?.max()
    }

    /// Row-wise softmax of a row-major `rows` × `columns` matrix, in place (max subtracted first).
    static func softmaxRows(_ a: inout [Double], rows: Int, columns: Int) {
        for r in 0..<rows {
            let start = r * columns
            var top = -Double.infinity
            for j in 0..<columns { top = max(top, a[start + j]) }
            var sum = 0.0
            for j in 0..<columns { a[start + j] = Foundation.exp(a[start + j] - top); sum += a[start + j] }
            for j in 0..<columns { a[start + j] /= sum }
        }
    }
}
