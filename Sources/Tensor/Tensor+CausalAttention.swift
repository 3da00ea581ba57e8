import CDenseKernels

/// The layout of one causal attention call: `batch` sequences of `length` queries at the last positions of
/// `total` keys, `heads` query heads reading key/value head `head / (heads / kvHeads)`, heads of `headSize`.
public struct CausalAttentionShape: Sendable {
    public var batch, length, total, heads, kvHeads, headSize: Int
    public init(batch: Int, length: Int, total: Int, heads: Int, kvHeads: Int, headSize: Int) {
        self.batch = batch; self.length = length; self.total = total
        self.heads = heads; self.kvHeads = kvHeads; self.headSize = headSize
    }
}

extension Tensor {
    /// Causal grouped-query attention (Ainslie et al. 2023) without autodiff, on the layouts projections
    /// produce: q `[batch, length, heads·d]`, k and v `[batch, total, kvHeads·d]`, the result `[batch, length,
    /// heads·d]` — no permuted copies, no repeated key/value heads, no bias tensor. Query i sees keys
    /// 0 … total − length + i: scores scale·q·kᵀ, a softmax over the keys it sees, times v. Queries go in
    /// blocks of 64 that compute only the keys the block sees (about half the products of the full square);
    /// (batch, head) pairs run on the worker pool.
    public static func causalAttention(q: Tensor, k: Tensor, v: Tensor, shape s: CausalAttentionShape,
                                       scale: Float) -> Tensor {
        let d = s.headSize, qWidth = s.heads * d, kvWidth = s.kvHeads * d
        precondition(q.count == s.batch * s.length * qWidth && k.count == s.batch * s.total * kvWidth
                     && v.count == k.count && s.total >= s.length && s.heads % s.kvHeads == 0)
        var out = [Float](repeating: 0, count: q.count)
        let group = s.heads / s.kvHeads, start = s.total - s.length, rowBlock = 64
        q.scalars.withUnsafeBufferPointer { pq in
            k.scalars.withUnsafeBufferPointer { pk in
                v.scalars.withUnsafeBufferPointer { pv in
                    out.withUnsafeMutableBufferPointer { po in
                        nonisolated(unsafe) let pq = pq, pk = pk, pv = pv, po = po
                        parallelFor(s.batch * s.heads, work: s.length * s.total * d) { pair in
                            let b = pair / s.heads, head = pair % s.heads, g = head / group
                            let qBase = pq.baseAddress! + b * s.length * qWidth + head * d
                            let kBase = pk.baseAddress! + b * s.total * kvWidth + g * d
                            let vBase = pv.baseAddress! + b * s.total * kvWidth + g * d
                            let oBase = po.baseAddress! + b * s.length * qWidth + head * d
                            withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * rowBlock * s.total) { t in
                                let scores = t.baseAddress!, weights = scores + rowBlock * s.total
                                for r0 in stride(from: 0, to: s.length, by: rowBlock) {
                                    let rows = Swift.min(rowBlock, s.length - r0), keys = start + r0 + rows
                                    sgemm(transA: false, transB: true, m: rows, n: keys, k: d, alpha: scale,
                                          qBase + r0 * qWidth, lda: qWidth, kBase, ldb: kvWidth,
                                          beta: 0, scores, ldc: keys)
                                    for i in 0..<rows {
                                        let seen = start + r0 + i + 1, row = weights + i * keys
                                        prune_softmax_rows_f32(scores + i * keys, row, 1, Int64(seen), 0)
                                        (row + seen).update(repeating: 0, count: keys - seen)
                                    }
                                    sgemm(transA: false, transB: false, m: rows, n: d, k: keys, alpha: 1,
                                          weights, lda: keys, vBase, ldb: kvWidth,
                                          beta: 0, oBase + r0 * qWidth, ldc: qWidth)
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(unchecked: [s.batch, s.length, qWidth], out)
    }
}
