import Foundation
import PruneTensor
import PruneAutodiff

/// Rotary position embedding (Su et al. 2021, RoFormer) in the "rotate half" layout of Hugging
/// Face's Llama: the head vector's first and second halves form the pairs rotated by
/// θ_i = p · base^(−2i/d). Tables are computed once per length and offset.
public struct RotaryEmbedding: Sendable {
    public let headSize: Int
    public let base: Double

    public init(headSize: Int, base: Double) { self.headSize = headSize; self.base = base }

    /// cos and sin tables `[1, 1, length, headSize]` for positions `offset ..< offset + length`.
    public func tables(length: Int, offset: Int) -> (cos: Tensor, sin: Tensor) {
        let half = headSize / 2
        var c = [Float](repeating: 0, count: length * headSize), s = c
        for i in 0..<half {
            // Float32 arithmetic for the angle, as transformers computes it.
            let inverse = Float(1 / Foundation.pow(base, Double(2 * i) / Double(headSize)))
            for p in 0..<length {
                let angle = Float(offset + p) * inverse
                let (cv, sv) = (Foundation.cos(angle), Foundation.sin(angle))
                c[p * headSize + i] = cv; c[p * headSize + i + half] = cv
                s[p * headSize + i] = sv; s[p * headSize + i + half] = sv
            }
        }
        return (Tensor(unchecked: [1, 1, length, headSize], c), Tensor(unchecked: [1, 1, length, headSize], s))
    }

    /// Rotates `x` `[batch, heads, length, headSize]` by the tables.
    public func apply(_ x: Variable, cos: Tensor, sin: Tensor) throws -> Variable {
        let half = headSize / 2
        let first = try x.slice(axis: 3, start: 0, end: half), second = try x.slice(axis: 3, start: half, end: headSize)
        let rotated = try Variable.concat([second * -1, first], axis: 3)
        return try x * Variable(cos) + rotated * Variable(sin)
    }
}
