import XCTest
import Foundation
@testable import PruneTensor

/// Fused causal grouped-query attention against the definition in Double loops.
final class CausalAttentionTests: XCTestCase {
    func testMatchesTheDefinition() {
        var rng = RandomGenerator(seed: 4)
        for s in [CausalAttentionShape(batch: 2, length: 70, total: 70, heads: 6, kvHeads: 2, headSize: 8),
                  CausalAttentionShape(batch: 1, length: 3, total: 9, heads: 2, kvHeads: 2, headSize: 4),
                  CausalAttentionShape(batch: 1, length: 1, total: 1, heads: 1, kvHeads: 1, headSize: 16)] {
            let d = s.headSize, qw = s.heads * d, kw = s.kvHeads * d
            func random(_ n: Int) -> [Float] { (0..<n).map { _ in Float.random(in: -2...2, using: &rng) } }
            let q = random(s.batch * s.length * qw), k = random(s.batch * s.total * kw), v = random(k.count)
            let scale: Float = 0.3
            let out = Tensor.causalAttention(q: Tensor(unchecked: [s.batch, s.length, qw], q),
                                             k: Tensor(unchecked: [s.batch, s.total, kw], k),
                                             v: Tensor(unchecked: [s.batch, s.total, kw], v), shape: s, scale: scale)
            for b in 0..<s.batch {
                for h in 0..<s.heads {
                    let g = h / (s.heads / s.kvHeads)
                    for i in 0..<s.length {
                        let seen = s.total - s.length + i + 1
                        let qi = (b * s.length + i) * qw + h * d
                        func key(_ j: Int) -> Int { (b * s.total + j) * kw + g * d }
                        let scores = (0..<seen).map { j in
                            Double(scale) * (0..<d).reduce(0.0) { $0 + Double(q[qi + $1]) * Double(k[key(j) + $1]) }
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
}
