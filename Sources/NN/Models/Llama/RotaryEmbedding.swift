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

    /// Rotates `x` `[batch, length, heads·headSize]` in place by the tables (positions along axis 1): the
    /// arithmetic of ``apply(_:cos:sin:)`` without its permuted copies and intermediate tensors (inference).
    public func rotate(_ x: inout Tensor, heads: Int, cos: Tensor, sin: Tensor) {
        let d = headSize, half = d / 2, width = heads * d, length = x.shape.count > 1 ? x.shape[1] : 1
        let c = cos.scalars, s = sin.scalars
        precondition(x.shape.last == width && c.count >= length * d, "rotary tables do not fit \(x.shape)")
        x.scalars.withUnsafeMutableBufferPointer { p in
            nonisolated(unsafe) let p = p
            parallelFor(p.count / width, work: width) { row in
                let t = (row % length) * d
                for h in 0..<heads {
                    let base = row * width + h * d
                    for i in 0..<half {
                        let x1 = p[base + i], x2 = p[base + i + half]
                        p[base + i] = x1 * c[t + i] + (x2 * -1) * s[t + i]
                        p[base + i + half] = x2 * c[t + i + half] + x1 * s[t + i + half]
                    }
                }
            }
        }
    }
}
