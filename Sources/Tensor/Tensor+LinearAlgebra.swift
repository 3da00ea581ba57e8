import CBLAS
import CDenseKernels

/// Matrix products: Prune's `sgemm` and `sgemv` where the CPU has AVX-512 or AVX2 with FMA, BLAS otherwise
/// (OpenBLAS on Linux, Accelerate on Apple platforms).
extension Tensor {
    /// `C = op(A)·op(B)` for row-major matrices, written into `c` (m×n); `beta` scales what `c` held.
    @inlinable
    public static func gemm(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                            m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false,
                            alpha: Float = 1, beta: Float = 0) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            if beta == 0 { c.update(repeating: 0, count: m * n) } else { for i in 0..<(m * n) { c[i] *= beta } }
            return
        }
        if m == 1 || n == 1 {
            gemv(a, b, c, m: m, n: n, k: k, transA: transA, transB: transB, alpha: alpha, beta: beta)
            return
        }
        let lda = transA ? m : k, ldb = transB ? k : n
        nonisolated(unsafe) let a = a, b = b, c = c
        splitProduct(m: m, n: n, k: k) { rows, columns in
            sgemm(transA: transA, transB: transB, m: rows.count, n: columns.count, k: k, alpha: alpha,
                  transA ? a + rows.lowerBound : a + rows.lowerBound * k, lda: lda,
                  transB ? b + columns.lowerBound * k : b + columns.lowerBound, ldb: ldb, beta: beta,
                  c + rows.lowerBound * n + columns.lowerBound, ldc: n)
        }
    }

    /// `C = op(A)·op(B) + bias`, the `n` values of `columnBias` added to every row of C (a Linear layer's
    /// x·Wᵀ + b): the same bits as filling C with the bias and calling ``gemm(_:_:_:m:n:k:transA:transB:alpha:beta:)``
    /// with beta 1. Prune's kernels write the bias into each block of C just before they add its first products
    /// (`prune_sgemm_column_bias`), so C is neither filled on one core beforehand nor read back from memory.
    @inlinable
    public static func gemm(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                            m: Int, n: Int, k: Int, transA: Bool = false, transB: Bool = false,
                            columnBias: UnsafePointer<Float>) {
        if m == 0 || n == 0 { return }
        // No k, or a matrix-vector product (gemv): the bias first, then the product added (beta 1). Elsewhere
        // each part runs `sgemmColumnBias`, which fills its part the same way where Prune's kernels do not run.
        if k == 0 || m == 1 || n == 1 {
            for r in 0..<m { (c + r * n).update(from: columnBias, count: n) }
            gemm(a, b, c, m: m, n: n, k: k, transA: transA, transB: transB, beta: 1)
            return
        }
        let lda = transA ? m : k, ldb = transB ? k : n
        nonisolated(unsafe) let a = a, b = b, c = c, columnBias = columnBias
        splitProduct(m: m, n: n, k: k) { rows, columns in
            sgemmColumnBias(transA: transA, transB: transB, m: rows.count, n: columns.count, k: k,
                            transA ? a + rows.lowerBound : a + rows.lowerBound * k, lda: lda,
                            transB ? b + columns.lowerBound * k : b + columns.lowerBound, ldb: ldb,
                            columnBias + columns.lowerBound, c + rows.lowerBound * n + columns.lowerBound, ldc: n)
        }
    }

    /// Runs `part(rows, columns)` over the cores on ranges of C's rows or columns (the longer axis) when the
    /// product is large enough, else once over all of C: the cut depends only on the shape and thread count.
    @inlinable
    static func splitProduct(m: Int, n: Int, k: Int, _ part: (Range<Int>, Range<Int>) -> Void) {
        let parts = productParts(macs: m * n * k, extent: Swift.max(m, n), grain: 16, minimum: 1 << 20)
        if parts <= 1 { part(0..<m, 0..<n); return }
        if n >= m {
            runRangesOnPool(n, parts: parts, grain: 16) { _, r in part(0..<m, r) }
        } else {
            runRangesOnPool(m, parts: parts, grain: 16) { _, r in part(r, 0..<n) }
        }
    }

    /// A product with one row or one column (batch 1: x·Wᵀ) as a matrix-vector product, which streams the
    /// matrix once where a `sgemm` packs it first (5–20× slower at batch 1).
    /// The vector operand is contiguous either way (a 1×k row, or a k×1 column, stored flat).
    @inlinable
    static func gemv(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                     m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float, beta: Float) {
        if m == 1 {
            // c (1×n) = op(B)ᵀ·a: B stored n×k when transposed, k×n otherwise.
            matrixVector(b, rows: transB ? n : k, columns: transB ? k : n, transposed: !transB, a, c,
                         alpha: alpha, beta: beta)
        } else {
            // c (m×1) = op(A)·b: A stored m×k, or k×m when transposed.
            matrixVector(a, rows: transA ? k : m, columns: transA ? m : k, transposed: transA, b, c,
                         alpha: alpha, beta: beta)
        }
    }

    /// y = alpha·op(M)·x + beta·y for a row-major `rows`×`columns` matrix M, split over the cores by the
    /// outputs (rows of M, or its columns when transposed) when M is large: each output is the same sum.
    /// Prune's kernels (`gemv.c`) where its sgemm's run, BLAS `sgemv` elsewhere.
    @inlinable
    static func matrixVector(_ matrix: UnsafePointer<Float>, rows: Int, columns: Int, transposed: Bool,
                             _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, alpha: Float, beta: Float) {
        let outputs = transposed ? columns : rows
        let parts = productParts(macs: rows * columns, extent: outputs, grain: 64, minimum: 1 << 17)
        nonisolated(unsafe) let matrix = matrix, x = x, y = y
        runRangesOnPool(outputs, parts: parts, grain: 64) { _, r in
            let lo = r.lowerBound, hi = r.upperBound
            if transposed {
                if prune_sgemv(1, Int64(rows), Int64(hi - lo), alpha, matrix + lo, Int64(columns), x, beta,
                               y + lo) != 0 { return }
                cblas_sgemv(CblasRowMajor, CblasTrans, Int32(rows), Int32(hi - lo), alpha, matrix + lo,
                            Int32(columns), x, 1, beta, y + lo, 1)
            } else {
                if prune_sgemv(0, Int64(hi - lo), Int64(columns), alpha, matrix + lo * columns, Int64(columns), x,
                               beta, y + lo) != 0 { return }
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(hi - lo), Int32(columns), alpha,
                            matrix + lo * columns, Int32(columns), x, 1, beta, y + lo, 1)
            }
        }
    }

    /// Matrix product with NumPy semantics: 2-D × 2-D, or batched over leading axes
    /// (`[..., m, k] × [..., k, n]`, where either side may be 2-D and is then shared by every batch).
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false,
                              transposeB: Bool = false) throws -> Tensor {
        guard a.rank >= 2, b.rank >= 2 else {
            throw TensorError.shapeMismatch(op: "matmul", shapes: [a.shape, b.shape],
                                            reason: "both operands need at least 2 axes")
        }
        let m = transposeA ? a.shape[a.rank - 1] : a.shape[a.rank - 2]
        let ka = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
        let kb = transposeB ? b.shape[b.rank - 1] : b.shape[b.rank - 2]
        let n = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1]
        guard ka == kb else {
            throw TensorError.shapeMismatch(op: "matmul", shapes: [a.shape, b.shape],
                                            reason: "inner extents \(ka) and \(kb) differ\(transposeA || transposeB ? " (after transposition)" : "")")
        }
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        let batch: [Int]
        if batchA == batchB || batchB.isEmpty { batch = batchA } else if batchA.isEmpty { batch = batchB } else {
            throw TensorError.shapeMismatch(op: "matmul", shapes: [a.shape, b.shape], reason: "batch axes differ")
        }
        let nb = batch.reduce(1, *)
        let strideA = batchA.isEmpty ? 0 : m * ka, strideB = batchB.isEmpty ? 0 : ka * n
        // The products write every value (beta 0 never reads C): no zeroing pass (2% of an attention block's
        // samples, its scores alone 6 MB at batch 8 and 128 tokens), but for an empty k and for matrix-vector
        // products (one row or one column), which BLAS may scale by beta.
        let count = nb * m * n
        var out = [Float](unsafeUninitializedCapacity: count) { buf, filled in
            if m == 1 || n == 1 || ka == 0 { buf.initialize(repeating: 0) }
            filled = count
        }
        if out.isEmpty || ka == 0 { return Tensor(unchecked: batch + [m, n], out) }
        a.scalars.withUnsafeBufferPointer { pa in
            b.scalars.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    if batchA.isEmpty == false && batchB.isEmpty && !transposeA {
                        // One big GEMM: stack the batch into rows.
                        gemm(pa.baseAddress!, pb.baseAddress!, po.baseAddress!, m: nb * m, n: n, k: ka,
                             transA: false, transB: transposeB)
                        return
                    }
                    for i in 0..<nb {
                        gemm(pa.baseAddress! + i * strideA, pb.baseAddress! + i * strideB, po.baseAddress! + i * m * n,
                             m: m, n: n, k: ka, transA: transposeA, transB: transposeB)
                    }
                }
            }
        }
        return Tensor(unchecked: batch + [m, n], out)
    }
}
