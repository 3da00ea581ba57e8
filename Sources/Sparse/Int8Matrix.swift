import CBLAS
import CDenseKernels
import CSparseKernels
import PruneTensor

/// Symmetric per-output-channel int8 quantization (Jacob et al., "Quantization and Training of
/// Neural Networks for Efficient Integer-Arithmetic-Only Inference", CVPR 2018; per-channel scales
/// as in Krishnamoorthi 2018): row r is stored as q = round(w / s_r) in [−127, 127] with
/// s_r = max|w_r| / 127, and dequantized on the fly by the kernels. Zeros stay exactly zero, so a
/// pruned weight keeps its sparsity; the error of each weight is at most s_r / 2.
public struct Int8Quantization: Sendable {
    /// Quantizes `w` `[rows, columns]`: the int8 values (row-major) and one scale per row.
    public static func quantize(_ w: Tensor) throws -> (q: [Int8], scales: [Float]) {
        guard w.rank == 2 else { throw TensorError.shapeMismatch(op: "Int8Quantization", shapes: [w.shape],
                                                                 reason: "needs a 2-D matrix") }
        guard w.isFinite else { throw TensorError.invalidArgument(op: "Int8Quantization",
                                                                  reason: "weight holds NaN or infinite values") }
        let rows = w.shape[0], cols = w.shape[1]
        var q = [Int8](repeating: 0, count: rows * cols), scales = [Float](repeating: 0, count: rows)
        for r in 0..<rows {
            var m: Float = 0
            for j in 0..<cols { m = Swift.max(m, Swift.abs(w.scalars[r * cols + j])) }
            let s = m > 0 ? m / 127 : 1
            scales[r] = s
            for j in 0..<cols { q[r * cols + j] = Int8(Swift.max(-127, Swift.min(127,
                                                                                 (w.scalars[r * cols + j] / s).rounded()))) }
        }
        return (q, scales)
    }
}

/// A dense weight in int8 with per-row scales (4× smaller than Float32). Batch 1 runs an int8 GEMV;
/// larger batches dequantize 256 rows at a time into a Float32 panel and multiply it
/// with OpenBLAS.
public struct Int8Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public let values: [Int8]
    public let scales: [Float]

    public init(dense: Tensor) throws {
        let (q, s) = try Int8Quantization.quantize(dense)
        rows = dense.shape[0]; columns = dense.shape[1]; values = q; scales = s
    }
}

extension Int8Matrix: SparseWeight {
    public var bytes: Int { values.count + 4 * scales.count }
    public var formatName: String { "int8" }

    public func dense() -> Tensor {
        var out = [Float](repeating: 0, count: rows * columns)
        values.withUnsafeBufferPointer { q in scales.withUnsafeBufferPointer { s in out.withUnsafeMutableBufferPointer { o in
            prune_i8_dequantize_rows(q.baseAddress, s.baseAddress, Int64(columns), 0, Int64(rows), o.baseAddress)
        } } }
        return Tensor(unchecked: [rows, columns], out)
    }

    public func multiply(batch x: Tensor) throws -> Tensor {
        try BatchLayout.check(x, columns: columns, op: "Int8Matrix.multiply")
        let b = x.shape[0]
        var y = [Float](repeating: 0, count: b * rows)
        if y.isEmpty || columns == 0 { return Tensor(unchecked: [b, rows], y) }
        values.withUnsafeBufferPointer { q in scales.withUnsafeBufferPointer { s in x.scalars.withUnsafeBufferPointer { xs in y.withUnsafeMutableBufferPointer { yp in
            nonisolated(unsafe) let out = yp.baseAddress!
            if b == 1 {
                let body = { (range: Range<Int>) in
                    prune_i8_gemv_rows(q.baseAddress, s.baseAddress, Int64(columns), xs.baseAddress,
                                       Int64(range.lowerBound), Int64(range.upperBound), out)
                }
                BatchLayout.forRowRanges(rows, work: rows * columns, body)
                return
            }
            // Each core's rows in panels of 256: dequantized (Float32, 256 × columns) and
            // Y[:, panel] = X · panelᵀ by Prune's sgemm, the same bits whatever the panel or core.
            let panel = 256
            BatchLayout.forRowRanges(rows, work: b * rows * columns, minimumRows: panel) { range in
                var buffer = [Float](unsafeUninitializedCapacity: panel * columns) { _, n in n = panel * columns }
                buffer.withUnsafeMutableBufferPointer { buf in
                    var r0 = range.lowerBound
                    while r0 < range.upperBound {
                        let r1 = Swift.min(r0 + panel, range.upperBound)
                        prune_i8_dequantize_rows(q.baseAddress, s.baseAddress, Int64(columns), Int64(r0), Int64(r1),
                                                 buf.baseAddress)
                        Self.productWithPanel(batch: b, panelRows: r1 - r0, columns: columns, xs.baseAddress!,
                                              buf.baseAddress!, out + r0, ldc: rows)
                        r0 = r1
                    }
                }
            }
        } } } }
        return Tensor(unchecked: [b, rows], y)
    }

    /// Y (batch × panelRows, rows `ldc` apart) = X · panelᵀ on the calling thread: Prune's sgemm, or BLAS where
    /// its kernels do not run. (OpenBLAS's sgemm ran these products before: on a CPU that OpenBLAS 0.3.21 does
    /// not know it runs SSE3 kernels, 4–8× slower than the dense product of the same shape.)
    static func productWithPanel(batch: Int, panelRows: Int, columns: Int, _ x: UnsafePointer<Float>,
                                 _ panel: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, ldc: Int) {
        if prune_sgemm(0, 1, Int64(batch), Int64(panelRows), Int64(columns), 1, x, Int64(columns), panel,
                       Int64(columns), 0, y, Int64(ldc)) != 0 { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(batch), Int32(panelRows), Int32(columns), 1,
                    x, Int32(columns), panel, Int32(columns), 0, y, Int32(ldc))
    }
}

/// CSR with int8 values and per-row scales: a pruned and quantized weight (about 5 bytes per
/// non-zero instead of 8). Batch 1 runs an int8 SpMV; larger batches dequantize the values once
/// per call and run the Float32 CSR kernel.
public struct Int8CSRMatrix: Sendable, Equatable {
    public let structure: CSRMatrix
    public let values: [Int8]
    public let scales: [Float]

    public init(dense: Tensor) throws {
        let (q, s) = try Int8Quantization.quantize(dense)
        // The int8 matrix has the same zeros as the dense one (a non-zero never rounds to 0 unless it is
        // under half a step; those become zeros, which is the quantized model).
        let deq = Tensor(unchecked: dense.shape, (0..<q.count).map { Float(q[$0]) * s[$0 / Swift.max(dense.shape[1],
                1)] })
        structure = try CSRMatrix(dense: deq)
        var kept: [Int8] = []
        kept.reserveCapacity(structure.nonzeros)
        for v in q where v != 0 { kept.append(v) }
        values = kept; scales = s
    }
}

extension Int8CSRMatrix: SparseWeight {
    public var rows: Int { structure.rows }
    public var columns: Int { structure.columns }
    public var bytes: Int { 4 * (structure.rowStart.count + structure.columnIndex.count) + values.count + 4 * scales.count }
    public var formatName: String { "CSR int8" }
    public func dense() -> Tensor { structure.dense() }

    public func multiply(batch x: Tensor) throws -> Tensor {
        try BatchLayout.check(x, columns: columns, op: "Int8CSRMatrix.multiply")
        let b = x.shape[0]
        if b == 1 {
            var y = [Float](repeating: 0, count: rows)
            structure.rowStart.withUnsafeBufferPointer { rs in structure.columnIndex.withUnsafeBufferPointer { ci in
                values.withUnsafeBufferPointer { q in scales.withUnsafeBufferPointer { s in x.scalars.withUnsafeBufferPointer { xs in y.withUnsafeMutableBufferPointer { yp in
                    nonisolated(unsafe) let out = yp.baseAddress!
                    let body = { (range: Range<Int>) in
                        prune_i8_csr_spmv_rows(rs.baseAddress!, ci.baseAddress, q.baseAddress, s.baseAddress,
                                               xs.baseAddress, Int64(range.lowerBound), Int64(range.upperBound), out)
                    }
                    let serialBelow = BatchLayout.vectorSerialBelow
                    BatchLayout.forRowRanges(rows, work: values.count, serialBelow: serialBelow, body)
                } } } }
            } }
            return Tensor(unchecked: [1, rows], y)
        }
        return try SparseKernels.multiply(structure, batch: x)
    }
}
