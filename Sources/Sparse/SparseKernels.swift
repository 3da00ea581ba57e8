import CDenseKernels
import CSparseKernels
import PruneTensor

/// Sparse × dense products for inference: Y = X·Aᵀ with A a CSR weight `[out, in]` and X `[batch, in]`,
/// the shape of a Linear layer.
public enum SparseKernels {
    /// y = A·x for one input vector (SpMV, `prune_csr_spmv_rows`: AVX2 where the CPU has it), rows spread
    /// over the cores when the work is large enough.
    public static func multiply(_ a: CSRMatrix, vector x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        a.rowStart.withUnsafeBufferPointer { rs in a.columnIndex.withUnsafeBufferPointer { ci in
            a.values.withUnsafeBufferPointer { va in
                nonisolated(unsafe) let (xp, yp) = (x, y)
                let serialBelow = BatchLayout.vectorSerialBelow
                BatchLayout.forRowRanges(a.rows, work: a.nonzeros, serialBelow: serialBelow) { range in
                    prune_csr_spmv_rows(rs.baseAddress!, ci.baseAddress, va.baseAddress, xp,
                                        Int64(range.lowerBound), Int64(range.upperBound), yp)
                }
            }
        } }
    }

    /// Y `[batch, out]` = X `[batch, in]` · Aᵀ (SpMM), with the C intrinsics kernel (default) or the pure-Swift one. The batch is transposed once so every
    /// non-zero updates a contiguous run of `batch` outputs (vectorized), rows split over the cores.
    public static func multiply(_ a: CSRMatrix, batch x: Tensor, kernel: SpMMKernel = .intrinsics) throws -> Tensor {
        guard x.rank == 2, x.shape[1] == a.columns else {
            throw TensorError.shapeMismatch(op: "SparseKernels.multiply", shapes: [x.shape, [a.rows, a.columns]],
                                            reason: "input must be [batch, \(a.columns)]")
        }
        let b = x.shape[0]
        if b == 1 {
            var y = [Float](repeating: 0, count: a.rows)
            x.scalars.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in multiply(a,
                    vector: xp.baseAddress!, into: yp.baseAddress!) } }
            return Tensor(unchecked: [1, a.rows], y)
        }
        // Xᵀ: [in, bp], the batch padded with zeros to a multiple of 16 so every tile is whole SIMD registers.
        let (xt, bp) = BatchLayout.transposed(x, paddedColumns: a.columns)
        return kernel == .intrinsics ? intrinsicsProduct(a, xt: xt, padded: bp, batch: b)
                                     : swiftProduct(a, xt: xt, padded: bp, batch: b)
    }

    /// The C kernel: writes Y [batch, rows] directly from Xᵀ [in, bp]; split over the cores when the
    /// work is large enough and `parallel` allows.
    static func intrinsicsProduct(_ a: CSRMatrix, xt: AlignedFloats, padded bp: Int, batch b: Int,
                                  parallel: Bool = true) -> Tensor {
        var y = [Float](unsafeUninitializedCapacity: b * a.rows) { _, n in n = b * a.rows }
        xt.withUnsafeBufferPointer { xtp in y.withUnsafeMutableBufferPointer { yp in
            a.rowStart.withUnsafeBufferPointer { rs in a.columnIndex.withUnsafeBufferPointer { ci in a.values.withUnsafeBufferPointer { va in
                nonisolated(unsafe) let out = yp.baseAddress!
                let body = { (range: Range<Int>) in
                    prune_csr_spmm_rows(rs.baseAddress!, ci.baseAddress!, va.baseAddress!, xtp.baseAddress!, Int64(bp),
                                        Int64(b),
                                        Int64(range.lowerBound), Int64(range.upperBound), out, Int64(a.rows))
                }
                if parallel { BatchLayout.forRowRanges(a.rows, work: a.nonzeros * b, minimumRows: 16, body) } else {
                    body(0..<a.rows)
                }
            } } }
        } }
        return Tensor(unchecked: [b, a.rows], y)
    }

    /// The pure-Swift kernel: Yᵀ [rows, bp] by SIMD16 tiles, then transposed to Y [batch, rows].
    static func swiftProduct(_ a: CSRMatrix, xt: AlignedFloats, padded bp: Int, batch b: Int) -> Tensor {
        var yt = [Float](unsafeUninitializedCapacity: a.rows * bp) { _, n in n = a.rows * bp }
        xt.withUnsafeBufferPointer { xtp in yt.withUnsafeMutableBufferPointer { ytp in
            a.rowStart.withUnsafeBufferPointer { rs in a.columnIndex.withUnsafeBufferPointer { ci in a.values.withUnsafeBufferPointer { va in
                nonisolated(unsafe) let out = ytp.baseAddress!
                let src = xtp.baseAddress!
                BatchLayout.forRowRanges(a.rows, work: a.nonzeros * b) { range in
                    swiftTiles(range, rowStart: rs, columnIndex: ci, values: va, xt: src, out: out, padded: bp)
                }
            } } }
        } }
        var y = [Float](unsafeUninitializedCapacity: b * a.rows) { _, n in n = b * a.rows }
        yt.withUnsafeBufferPointer { ys in y.withUnsafeMutableBufferPointer { yd in
            prune_transpose_f32(ys.baseAddress!, Int64(a.rows), Int64(b), Int64(bp), yd.baseAddress!, Int64(a.rows))
        } }
        return Tensor(unchecked: [b, a.rows], y)
    }

    /// Rows `range` of Yᵀ. Cache blocking: one tile of batch columns at a time for all rows of the
    /// range, so the tile of Xᵀ (in × 64 floats) stays in cache while every row streams its non-zeros over it.
    @inline(__always)
    static func swiftTiles(_ range: Range<Int>, rowStart rs: UnsafeBufferPointer<Int32>,
                           columnIndex ci: UnsafeBufferPointer<Int32>,
                           values va: UnsafeBufferPointer<Float>, xt src: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                           padded bp: Int) {
        var j0 = 0
        while j0 < bp {
            let width = bp - j0 >= 64 ? 64 : 16
            for r in range {
                let lo = Int(rs[r]), hi = Int(rs[r + 1])
                let q = UnsafeMutableRawPointer(out + r * bp + j0)
                if width == 64 {
                    var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
                    for k in lo..<hi {
                        let v = SIMD16<Float>(repeating: va[k])
                        let p = UnsafeRawPointer(src + Int(ci[k]) * bp + j0)
                        a0 += v * p.loadUnaligned(as: SIMD16<Float>.self)
                        a1 += v * p.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
                        a2 += v * p.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self)
                        a3 += v * p.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self)
                    }
                    q.storeBytes(of: a0, as: SIMD16<Float>.self)
                    q.storeBytes(of: a1, toByteOffset: 64, as: SIMD16<Float>.self)
                    q.storeBytes(of: a2, toByteOffset: 128, as: SIMD16<Float>.self)
                    q.storeBytes(of: a3, toByteOffset: 192, as: SIMD16<Float>.self)
                } else {
                    var a0 = SIMD16<Float>()
                    for k in lo..<hi {
                        a0 += SIMD16<Float>(repeating: va[k]) * UnsafeRawPointer(src + Int(ci[k]) * bp + j0).loadUnaligned(as: SIMD16<Float>.self)
                    }
                    q.storeBytes(of: a0, as: SIMD16<Float>.self)
                }
            }
            j0 += width
        }
    }
}

/// Which SpMM inner kernel runs: the C kernel with AVX-512 / AVX2 intrinsics chosen at run time
/// (`CSparseKernels`), or the pure-Swift `SIMD16<Float>` kernel, which compiles to the baseline ISA
/// (SSE2 on x86-64). `prune bench sparse --kernels` measures both.
public enum SpMMKernel: String, Sendable, CaseIterable {
    case intrinsics
    case swiftSIMD = "swift-simd"

    /// The instruction set the intrinsics kernel uses on this CPU: "AVX-512", "AVX2+FMA" or "portable C".
    public static var intrinsicsISA: String {
        switch prune_csr_spmm_isa() {
        case 512: return "AVX-512"
        case 256: return "AVX2+FMA"
        default: return "portable C"
        }
    }
}
