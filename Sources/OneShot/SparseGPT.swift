import PruneTensor
import PrunePruning

/// SparseGPT (Frantar & Alistarh, "SparseGPT: Massive Language Models Can Be Accurately Pruned in
/// One-Shot", ICML 2023): Optimal Brain Surgeon updates for the layer-wise reconstruction problem,
/// with H = (2/N)·Σ x·xᵀ shared by all output rows.
///
/// Columns are processed left to right in blocks of ``blockSize``: within a block, the mask is
/// chosen adaptively from w² / [U]_ii² (U the upper Cholesky factor of H⁻¹), each pruned column's
/// error e = (w − q)/U_ii is propagated to the remaining columns of the block (W −= e·U_i,·), and
/// the block's accumulated errors update the later columns lazily with one matrix product.
/// Dead inputs (H_ii = 0) are zeroed, and H is dampened by `dampening`·mean(diag H) before the
/// inversion, as in the reference implementation. Unstructured sparsity removes exactly
/// round(s·rows·blockColumns) weights per block (the reference removes those at or below the
/// s-quantile, which can be one more).
public struct SparseGPT: OneShotMethod {
    public var blockSize: Int
    public var dampening: Double

    public init(blockSize: Int = 128, dampening: Double = 0.01) {
        self.blockSize = blockSize; self.dampening = dampening
    }

    public var name: String { "sparsegpt" }
    public var needsGram: Bool { true }

    public func prune(weight: Tensor, statistics: LinearInputStatistics, sparsity: OneShotSparsity,
                      layer: String) throws -> Tensor {
        let rows = weight.shape[0], cols = weight.shape[1]
        try statistics.check(columns: cols, layer: layer)
        try sparsity.validate(columns: cols, layer: layer)
        if case .nOfM(_, let m) = sparsity, blockSize % m != 0 {
            throw OneShotError.invalid("SparseGPT block size \(blockSize) is not a multiple of M = \(m)")
        }
        guard var h = statistics.hessian() else {
            throw OneShotError.noCalibrationData("\(layer) saw no calibration tokens (or no X·Xᵀ was collected)")
        }
        var w = weight.scalars.map(Double.init)

        for i in 0..<cols where h[i * cols + i] == 0 {
            h[i * cols + i] = 1
            for r in 0..<rows { w[r * cols + i] = 0 }
        }
        let u = try Self.inverseHessianFactor(h, n: cols, dampening: dampening, layer: layer)

        var start = 0
        while start < cols {
            let end = Swift.min(start + blockSize, cols)
            pruneBlock(&w, u: u, rows: rows, cols: cols, start: start, end: end, sparsity: sparsity)
            start = end
        }
        guard w.allSatisfy({ $0.isFinite }) else {
            throw OneShotError.numerical(layer: layer, reason: "SparseGPT produced non-finite weights")
        }
        return Tensor(unchecked: weight.shape, w.map(Float.init))
    }

    /// One block of columns `start..<end`: prunes column by column (the lowest w²/U_ii² go), each pruned
    /// weight's error spread over the block's later columns, then the block's errors over all later columns.
    /// Rows are independent within a block and run in parallel.
    func pruneBlock(_ w: inout [Double], u: [Double], rows: Int, cols: Int, start: Int, end: Int,
                    sparsity: OneShotSparsity) {
        let width = end - start
        var err = [Double](repeating: 0, count: rows * width)
        var remove = [Bool](repeating: false, count: rows * width)
        if case .unstructured(let s) = sparsity {
            var scores = [Double](repeating: 0, count: rows * width)
            for r in 0..<rows {
                for j in 0..<width {
                    let v = w[r * cols + start + j], d = u[(start + j) * cols + start + j]
                    scores[r * width + j] = v * v / (d * d)
                }
            }
            remove = LowestSelection.lowest(scores[...], count: Int((s * Double(rows * width)).rounded()))
        }
        w.withUnsafeMutableBufferPointer { pw in
            u.withUnsafeBufferPointer { pu in
                err.withUnsafeMutableBufferPointer { pe in
                    remove.withUnsafeMutableBufferPointer { pr in
                        nonisolated(unsafe) let pw = pw, pe = pe, pr = pr
                        parallelFor(rows, work: width * width) { r in
                            Self.pruneRow(pw.baseAddress! + r * cols + start, u: pu, cols: cols, start: start,
                                          width: width, err: pe.baseAddress! + r * width,
                                          remove: pr.baseAddress! + r * width, sparsity: sparsity)
                        }
                    }
                }
            }
            guard end < cols else { return }
            Self.updateLaterColumns(pw, err: err, u: u, rows: rows, cols: cols, start: start, end: end)
        }
    }

    /// W[:, end:] −= Err · U[start:end, end:], the block's errors spread over the later columns. The
    /// product runs in Float through Prune's sgemm (the reference implementation does all of SparseGPT in
    /// Float32) and is subtracted from the Double weights, so only this correction carries Float rounding.
    /// Row ranges of a fixed size run over the worker pool: the same bits at any thread count.
    static func updateLaterColumns(_ w: UnsafeMutableBufferPointer<Double>, err: [Double], u: [Double],
                                   rows: Int, cols: Int, start: Int, end: Int) {
        let width = end - start, later = cols - end, chunk = 96, chunks = (rows + chunk - 1) / chunk
        let block = [Float](unsafeUninitializedCapacity: width * later) { b, count in
            for i in 0..<width { for j in 0..<later { b[i * later + j] = Float(u[(start + i) * cols + end + j]) } }
            count = width * later
        }
        nonisolated(unsafe) let w = w
        block.withUnsafeBufferPointer { pb in
            err.withUnsafeBufferPointer { pe in
                nonisolated(unsafe) let pb = pb, pe = pe
                parallelFor(chunks, work: chunk * later * width) { c in
                    let r0 = c * chunk, n = Swift.min(rows, r0 + chunk) - r0
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: n * (width + later)) { t in
                        let e = t.baseAddress!, p = e + n * width
                        for i in 0..<(n * width) { e[i] = Float(pe[r0 * width + i]) }
                        Tensor.gemm(e, pb.baseAddress!, p, m: n, n: later, k: width)
                        for r in 0..<n {
                            let row = w.baseAddress! + (r0 + r) * cols + end, pr = p + r * later
                            for j in 0..<later { row[j] -= Double(pr[j]) }
                        }
                    }
                }
            }
        }
    }

    /// One row's part of a block (`row[0..<width]`): N:M groups are chosen as they are reached, each
    /// removed weight's error e = w/U_ii goes to `err` and W[j:] −= e·U[i, i:end].
    private static func pruneRow(_ row: UnsafeMutablePointer<Double>, u: UnsafeBufferPointer<Double>, cols: Int,
                                 start: Int, width: Int, err: UnsafeMutablePointer<Double>,
                                 remove: UnsafeMutablePointer<Bool>, sparsity: OneShotSparsity) {
        for j in 0..<width {
            let i = start + j, d = u[i * cols + i]
            if case .nOfM(let n, let m) = sparsity, j % m == 0 {
                withUnsafeTemporaryAllocation(of: Double.self, capacity: m) { scores in
                    for t in 0..<m {
                        let dt = u[(i + t) * cols + i + t]
                        scores[t] = row[j + t] * row[j + t] / (dt * dt)
                    }
                    LowestSelection.markLowest(UnsafeBufferPointer(scores), count: m - n,
                                               into: UnsafeMutableBufferPointer(start: remove + j, count: m))
                }
            }
            guard remove[j] else { continue }
            let e = row[j] / d
            err[j] = e
            let uRow = u.baseAddress! + i * cols + start
            for t in j..<width { row[t] -= e * uRow[t] }
            row[j] = 0
        }
    }

    /// U, the upper Cholesky factor of (H + λI)⁻¹ with λ = dampening·mean(diag H); λ grows tenfold
    /// (up to three times) if H + λI is not numerically positive definite.
    static func inverseHessianFactor(_ h: [Double], n: Int, dampening: Double, layer: String) throws -> [Double] {
        let meanDiag = Cholesky.meanDiagonal(h, count: n, stride: n)
        var damp = dampening
        for _ in 0..<4 {
            var a = h
            for i in 0..<n { a[i * n + i] += damp * meanDiag }
            if let u = Cholesky.upperFactorOfInverse(a, n: n) { return u }
            damp *= 10
        }
        throw OneShotError.numerical(layer: layer, reason: "the calibration Hessian is not positive definite even "
                                     + "with dampening \(damp / 10); use more calibration data")
    }
}
