import CDenseKernels

extension Tensor {
    /// Layer normalization (Ba, Kiros & Hinton 2016) over the last axis without autodiff: each row of
    /// `x` becomes (x − mean)/√(var + ε)·weight + bias in one fused pass (a C kernel), rows on the worker
    /// pool. `weight` and `bias` hold one value per element of a row.
    public static func layerNormRows(_ x: Tensor, weight: Tensor, bias: Tensor, epsilon: Float) -> Tensor {
        let n = x.shape.last ?? 1
        precondition(weight.count == n && bias.count == n && n > 0)
        let rows = x.count / n
        var out = [Float](repeating: 0, count: x.count)
        x.scalars.withUnsafeBufferPointer { px in
            weight.scalars.withUnsafeBufferPointer { pw in
                bias.scalars.withUnsafeBufferPointer { pb in
                    out.withUnsafeMutableBufferPointer { po in
                        nonisolated(unsafe) let px = px, pw = pw, pb = pb, po = po
                        let chunk = 16
                        parallelFor((rows + chunk - 1) / chunk, work: chunk * n * 8) { c in
                            let r0 = c * chunk, count = Swift.min(chunk, rows - r0)
                            prune_layer_norm_rows_f32(px.baseAddress! + r0 * n, pw.baseAddress!, pb.baseAddress!,
                                                      po.baseAddress! + r0 * n, Int64(count), Int64(n), epsilon)
                        }
                    }
                }
            }
        }
        return Tensor(unchecked: x.shape, out)
    }
}
