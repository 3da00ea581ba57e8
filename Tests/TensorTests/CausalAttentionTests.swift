import XCTest
import Foundation
@testable import PruneTensor

/// Fused attention (causal grouped-query, and bidirectional with a key bias) against the definition
/// in Double loops.
final class CausalAttentionTests: XCTestCase {
    func testCausalMatchesTheDefinition() {
        var rng = RandomGenerator(seed: 4)
        for s in [CausalAttentionShape(batch: 2, length: 70, total: 70, heads: 6, kvHeads: 2, headSize: 8),
                  CausalAttentionShape(batch: 1, length: 3, total: 9, heads: 2, kvHeads: 2, headSize: 4),
                  CausalAttentionShape(batch: 1, length: 1, total: 1, heads: 1, kvHeads: 1, headSize: 16)] {
            check(s, causal: true, bias: nil, rng: &rng)
        }
    }

    func testEncoderAttentionWithPaddingBiasMatchesTheDefinition() {
        var rng = RandomGenerator(seed: 5)
        for s in [CausalAttentionShape(batch: 3, length: 67, total: 67, heads: 4, kvHeads: 4, headSize: 8),
                  CausalAttentionShape(batch: 1, length: 5, total: 5, heads: 2, kvHeads: 2, headSize: 4)] {
            // Sequence b is padded after its first total − 7·b tokens (at least 1), as BERT's mask does.
            let bias = (0..<(s.batch * s.total)).map { i -> Float in
                i % s.total < Swift.max(s.total - 7 * (i / s.total), 1) ? 0 : -1e9
            }
            check(s, causal: false, bias: bias, rng: &rng)
            check(s, causal: false, bias: nil, rng: &rng)
        }
    }

    func check(_ s: CausalAttentionShape, causal: Bool, bias: [Float]?, rng: inout RandomGenerator) {
        let d = s.headSize, qw = s.heads * d, kw = s.kvHeads * d
        func random(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -2...2, using: &rng) } }
        let q = random(s.batch * s.length * qw), k = random(s.batch * s.total * kw), v = random(k.count)
        let scale: Float = 0.3
        let (tq, tk, tv) = (Tensor(unchecked: [s.batch, s.length, qw], q), Tensor(unchecked: [s.batch, s.total, kw], k),
                            Tensor(unchecked: [s.batch, s.total, kw], v))
        let out = causal ? Tensor.causalAttention(q: tq, k: tk, v: tv, shape: s, scale: scale)
            : Tensor.encoderAttention(q: tq, k: tk, v: tv, shape: s, scale: scale, keyBias: bias)
        for b in 0..<s.batch {
            for h in 0..<s.heads {
                let g = h / (s.heads / s.kvHeads)
                for i in 0..<s.length {
                    let seen = causal ? s.total - s.length + i + 1 : s.total
                    let qi = (b * s.length + i) * qw + h * d
                    func key(_ j: Int) -> Int { (b * s.total + j) * kw + g * d }
                    let scores = (0..<seen).map { j in
                        Double(scale) * (0..<d).reduce(0.0) { $0 + Double(q[qi + $1]) * Double(k[key(j) + $1]) }
                            + Double(bias?[b * s.total + j] ?? 0)
                    }
                    let m = scores.max()!, e = scores.map { Foundation.exp($0 - m) }, sum = e.reduce(0, +)
                    for t in 0..<d {
                        let expected = (0..<seen).reduce(0.0) { $0 + e[$1] / sum * Double(v[key($1) + t]) }
                        XCTAssertEqual(Double(out.scalars[qi + t]), expected, accuracy: 1e-4)
                    }
                }
            }
        }
    }
}
