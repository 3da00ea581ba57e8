import CDenseKernels

/// The layout of one attention call: `batch` sequences of `length` queries at the last positions of
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
        attention(q: q, k: k, v: v, shape: s, scale: scale, causal: true, keyBias: nil)
    }

    /// Bidirectional multi-head attention (Vaswani et al. 2017) without autodiff, as BERT's encoder runs
    /// it: every query sees all `total` keys of its sequence, with `keyBias[b·total + j]` (0 for a real
    /// token, a large negative number for padding) added to the scores of key j of sequence b before the
    /// softmax. Same layouts and blocking as ``causalAttention(q:k:v:shape:scale:)``.
    public static func encoderAttention(q: Tensor, k: Tensor, v: Tensor, shape s: CausalAttentionShape,
                                        scale: Float, keyBias: [Float]?) -> Tensor {
        precondition(keyBias.map { $0.count == s.batch * s.total } ?? true)
        return attention(q: q, k: k, v: v, shape: s, scale: scale, causal: false, keyBias: keyBias)
    }

    static func attention(q: Tensor, k: Tensor, v: Tensor, shape s: CausalAttentionShape, scale: Float,
                          causal: Bool, keyBias: [Float]?) -> Tensor {
        let d = s.headSize, qWidth = s.heads * d, kvWidth = s.kvHeads * d
        precondition(q.count == s.batch * s.length * qWidth && k.count == s.batch * s.total * kvWidth
                     && v.count == k.count && s.total >= s.length && s.heads % s.kvHeads == 0)
        var out = [Float](repeating: 0, count: q.count)
        let group = s.heads / s.kvHeads
        q.scalars.withUnsafeBufferPointer { pq in
            k.scalars.withUnsafeBufferPointer { pk in
                v.scalars.withUnsafeBufferPointer { pv in
                    (keyBias ?? []).withUnsafeBufferPointer { pb in
                        out.withUnsafeMutableBufferPointer { po in
                            nonisolated(unsafe) let pq = pq, pk = pk, pv = pv, po = po, pb = pb
                            parallelFor(s.batch * s.heads, work: s.length * s.total * d) { pair in
                                let b = pair / s.heads, head = pair % s.heads, g = head / group
                                let heads = AttentionHeadPointers(
                                    q: pq.baseAddress! + b * s.length * qWidth + head * d,
                                    k: pk.baseAddress! + b * s.total * kvWidth + g * d,
                                    v: pv.baseAddress! + b * s.total * kvWidth + g * d,
                                    out: po.baseAddress! + b * s.length * qWidth + head * d,
                                    bias: keyBias == nil ? nil : pb.baseAddress! + b * s.total)
                                attendHead(heads, shape: s, scale: scale, causal: causal)
                            }
                        }
                    }
                }
            }
        }
        return Tensor(unchecked: [s.batch, s.length, qWidth], out)
    }

    /// One (sequence, head) pair, in query blocks of 64.
    static func attendHead(_ p: AttentionHeadPointers, shape s: CausalAttentionShape, scale: Float, causal: Bool) {
        let d = s.headSize, qWidth = s.heads * d, kvWidth = s.kvHeads * d, start = s.total - s.length, rowBlock = 64
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * rowBlock * s.total) { t in
            let scores = t.baseAddress!, weights = scores + rowBlock * s.total
            for r0 in stride(from: 0, to: s.length, by: rowBlock) {
                let rows = Swift.min(rowBlock, s.length - r0), keys = causal ? start + r0 + rows : s.total
                sgemm(transA: false, transB: true, m: rows, n: keys, k: d, alpha: scale, p.q + r0 * qWidth,
                      lda: qWidth, p.k, ldb: kvWidth, beta: 0, scores, ldc: keys)
                if causal {
                    for i in 0..<rows {
                        let seen = start + r0 + i + 1, row = scores + i * keys
                        if let bias = p.bias { for j in 0..<seen { row[j] += bias[j] } }
                        prune_softmax_rows_f32(row, weights + i * keys, 1, Int64(seen), 0)
                        (weights + i * keys + seen).update(repeating: 0, count: keys - seen)
                    }
                } else {
                    // Every query sees every key: the block's rows in one call (a short row's exps then run
                    // in one vector loop over the block; the same operations per row, so the same bits).
                    if let bias = p.bias { for i in 0..<rows { prune_add_f32(scores + i * keys, bias, Int64(keys)) } }
                    prune_softmax_rows_f32(scores, weights, Int64(rows), Int64(keys), 0)
                }
                sgemm(transA: false, transB: false, m: rows, n: d, k: keys, alpha: 1, weights, lda: keys,
                      p.v, ldb: kvWidth, beta: 0, p.out + r0 * qWidth, ldc: qWidth)
            }
        }
    }
}

/// Where one (sequence, head) pair's query, key, value, output and key bias start.
struct AttentionHeadPointers {
    let q, k, v: UnsafePointer<Float>
    let out: UnsafeMutablePointer<Float>
    let bias: UnsafePointer<Float>?
}
