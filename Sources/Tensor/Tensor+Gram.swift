import CDenseKernels

extension Tensor {
    /// G += Xᵀ·X on the upper triangle (and the lower half of each diagonal block), for a row-major
    /// `rows × features` X and a row-major `features × features` G: the Gram matrix of a layer's inputs
    /// that SparseGPT's Hessian and ThiNet's least squares are built from.
    ///
    /// BLAS `ssyrk` on its own threads did this before; OpenBLAS's workers then spun in `sched_yield`
    /// beside Prune's (issue 18). Here G is cut into column blocks of 64, each one product
    /// G[0..<j1, j0..<j1] += X[:, 0..<j1]ᵀ·X[:, j0..<j1] (about half the work of the full XᵀX), spread
    /// over Prune's worker pool, largest blocks first. Every entry gets the same operations whatever the
    /// thread count.
    public static func addGram(_ x: UnsafePointer<Float>, rows: Int, features f: Int,
                               into g: UnsafeMutablePointer<Float>) {
        guard rows > 0, f > 0 else { return }
        let width = 64, blocks = (f + width - 1) / width
        nonisolated(unsafe) let x = x, g = g
        parallelFor(blocks, work: rows * f * width / 8) { i in
            let block = blocks - 1 - i
            let j0 = block * width, j1 = Swift.min(f, j0 + width)
            sgemm(transA: true, transB: false, m: j1, n: j1 - j0, k: rows, alpha: 1, x, lda: f, x + j0, ldb: f,
                  beta: 1, g + j0, ldc: f)
        }
    }

    /// sums[j] += Σ_r x[r][j]² in Double (Wanda's ‖X_j‖₂²) for a row-major `rows × features` X, column
    /// ranges spread over the worker pool; each sum adds the rows in order, as a scalar loop would.
    public static func addSquares(_ x: UnsafePointer<Float>, rows: Int, features f: Int,
                                  into sums: UnsafeMutablePointer<Double>) {
        guard rows > 0, f > 0 else { return }
        nonisolated(unsafe) let x = x, sums = sums
        let parts = rows * f < 1 << 16 ? 1 : Swift.min(ProcessInfoCores.count, Swift.max(1, f / 64))
        runRangesOnPool(f, parts: parts, grain: 16) { _, r in
            prune_add_squares_f64(x + r.lowerBound, Int64(rows), Int64(r.count), Int64(f), sums + r.lowerBound)
        }
    }
}
