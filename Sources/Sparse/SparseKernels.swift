import PruneTensor

/// Sparse × dense products for inference: Y = X·Aᵀ with A a CSR weight `[out, in]` and X `[batch, in]`,
/// the shape of a Linear layer.
public enum SparseKernels {
    /// y = A·x for one input vector (SpMV), rows spread over the cores when the work is large enough.
    public static func multiply(_ a: CSRMatrix, vector x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        a.rowStart.withUnsafeBufferPointer { rs in a.columnIndex.withUnsafeBufferPointer { ci in a.values.withUnsafeBufferPointer { va in
            nonisolated(unsafe) let yp = y
            let work = a.nonzeros
            let body = { (range: Range<Int>) in
                for r in range {
                    let lo = Int(rs[r]), hi = Int(rs[r + 1])
                    var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
                    var k = lo
                    while k + 4 <= hi {
                        s0 += va[k] * x[Int(ci[k])]; s1 += va[k + 1] * x[Int(ci[k + 1])]
                        s2 += va[k + 2] * x[Int(ci[k + 2])]; s3 += va[k + 3] * x[Int(ci[k + 3])]
                        k += 4
                    }
                    while k < hi { s0 += va[k] * x[Int(ci[k])]; k += 1 }
                    yp[r] = (s0 + s1) + (s2 + s3)
                }
            }
            if work < 200_000 { body(0..<a.rows) } else { parallelChunks(a.rows, grain: max(1, a.rows / 8), body) }
        } } }
    }

    /// Y `[batch, out]` = X `[batch, in]` · Aᵀ (SpMM). The batch is transposed once so every
    /// non-zero updates a contiguous run of `batch` outputs (vectorized), rows split over the cores.
    public static func multiply(_ a: CSRMatrix, batch x: Tensor) throws -> Tensor {
        guard x.rank == 2, x.shape[1] == a.columns else {
            throw TensorError.shapeMismatch(op: "SparseKernels.multiply", shapes: [x.shape, [a.rows, a.columns]],
                                            reason: "input must be [batch, \(a.columns)]")
        }
        let b = x.shape[0]
        if b == 1 {
            var y = [Float](repeating: 0, count: a.rows)
            x.scalars.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { yp in multiply(a, vector: xp.baseAddress!, into: yp.baseAddress!) } }
            return Tensor(unchecked: [1, a.rows], y)
        }
        // Xᵀ: [in, batch].
        var xt = [Float](repeating: 0, count: a.columns * b)
        let xs = x.scalars
        for i in 0..<b { for j in 0..<a.columns { xt[j * b + i] = xs[i * a.columns + j] } }
        var yt = [Float](repeating: 0, count: a.rows * b)
        xt.withUnsafeBufferPointer { xtp in yt.withUnsafeMutableBufferPointer { ytp in
            a.rowStart.withUnsafeBufferPointer { rs in a.columnIndex.withUnsafeBufferPointer { ci in a.values.withUnsafeBufferPointer { va in
                nonisolated(unsafe) let out = ytp.baseAddress!
                let src = xtp.baseAddress!
                let body = { (range: Range<Int>) in
                    for r in range {
                        let lo = Int(rs[r]), hi = Int(rs[r + 1])
                        let acc = out + r * b
                        var j0 = 0
                        // Tiles of 64 batch columns kept in four SIMD registers across the whole row.
                        while j0 + 64 <= b {
                            var a0 = SIMD16<Float>(), a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
                            for k in lo..<hi {
                                let v = SIMD16<Float>(repeating: va[k])
                                let p = UnsafeRawPointer(src + Int(ci[k]) * b + j0)
                                a0 += v * p.loadUnaligned(as: SIMD16<Float>.self)
                                a1 += v * p.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
                                a2 += v * p.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self)
                                a3 += v * p.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self)
                            }
                            let q = UnsafeMutableRawPointer(acc + j0)
                            q.storeBytes(of: a0, as: SIMD16<Float>.self)
                            q.storeBytes(of: a1, toByteOffset: 64, as: SIMD16<Float>.self)
                            q.storeBytes(of: a2, toByteOffset: 128, as: SIMD16<Float>.self)
                            q.storeBytes(of: a3, toByteOffset: 192, as: SIMD16<Float>.self)
                            j0 += 64
                        }
                        while j0 + 16 <= b {
                            var a0 = SIMD16<Float>()
                            for k in lo..<hi {
                                a0 += SIMD16<Float>(repeating: va[k]) * UnsafeRawPointer(src + Int(ci[k]) * b + j0).loadUnaligned(as: SIMD16<Float>.self)
                            }
                            UnsafeMutableRawPointer(acc + j0).storeBytes(of: a0, as: SIMD16<Float>.self)
                            j0 += 16
                        }
                        if j0 < b {
                            for k in lo..<hi {
                                let v = va[k]
                                let col = src + Int(ci[k]) * b
                                for j in j0..<b { acc[j] += v * col[j] }
                            }
                        }
                    }
                }
                if a.nonzeros * b < 200_000 { body(0..<a.rows) } else { parallelChunks(a.rows, grain: max(1, a.rows / 8), body) }
            } } }
        } }
        var y = [Float](repeating: 0, count: b * a.rows)
        for r in 0..<a.rows { for i in 0..<b { y[i * a.rows + r] = yt[r * b + i] } }
        return Tensor(unchecked: [b, a.rows], y)
    }
}
