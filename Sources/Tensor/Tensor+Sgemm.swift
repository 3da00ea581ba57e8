import CBLAS
import CDenseKernels

extension Tensor {
    /// One row-major product C = alpha·op(A)·op(B) + beta·C on the calling thread: Prune's AVX-512 or AVX2
    /// kernels where the CPU has them (`sgemm.c`, the GotoBLAS scheme of Goto & van de Geijn, ACM TOMS
    /// 2008), BLAS `sgemm` otherwise (`PRUNE_SGEMM=openblas` asks for BLAS everywhere).
    @inlinable
    static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                      _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                      beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        if prune_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int64(m), Int64(n), Int64(k), alpha, a, Int64(lda),
                       b, Int64(ldb), beta, c, Int64(ldc)) != 0 { return }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

extension Tensor {
    /// C = op(A)·op(B) + `columnBias` on every row of C on the calling thread: Prune's kernels
    /// (`prune_sgemm_column_bias`), else C filled with the bias and BLAS `sgemm` with beta 1 (the same sums).
    @inlinable
    static func sgemmColumnBias(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>,
                                lda: Int, _ b: UnsafePointer<Float>, ldb: Int, _ columnBias: UnsafePointer<Float>,
                                _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        if prune_sgemm_column_bias(transA ? 1 : 0, transB ? 1 : 0, Int64(m), Int64(n), Int64(k), a, Int64(lda),
                                   b, Int64(ldb), columnBias, c, Int64(ldc)) != 0 { return }
        for r in 0..<m { (c + r * ldc).update(from: columnBias, count: n) }
        sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a, lda: lda, b, ldb: ldb, beta: 1, c,
              ldc: ldc)
    }
}

extension Tensor {
    /// The BLAS library's own `sgemm` on its own threads (every core Prune may use), bypassing Prune's
    /// kernels and range splits: the peer that benchmarks compare Prune's products with.
    public static func blasGemm(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                                m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false) {
        BLASThreads.multiThreaded {
            cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), 1, a, Int32(transA ? m : k), b, Int32(transB ? k : n), 0, c,
                        Int32(n))
        }
    }
}
