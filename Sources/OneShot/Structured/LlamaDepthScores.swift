import Foundation
import PruneTensor

/// Scores for removing whole decoder blocks.
///
/// - Block Influence (Men et al., "ShortGPT: Layers in Large Language Models are More Redundant
///   Than You Expect", 2024): BI_i = 1 − mean over tokens of cos(x_i, x_{i+1}), x_i the hidden state
///   entering block i; the blocks of lowest BI go.
/// - Angular distance of spans (Gromov et al., "The Unreasonable Ineffectiveness of the Deeper
///   Layers", 2024): d(x_ℓ, x_{ℓ+n}) = arccos(cos(x_ℓ, x_{ℓ+n}))/π on the last token of each
///   sequence, averaged over sequences; the span of n consecutive blocks with the smallest distance goes.
public enum LlamaDepthScores {
    /// 1 − mean cosine between matching token vectors of `inputs` and `outputs` (same shapes).
    static func influence(from inputs: [Tensor], to outputs: [Tensor]) -> Double {
        var sum = 0.0, count = 0
        for (x, y) in zip(inputs, outputs) {
            let d = x.shape.last ?? 1
            for t in 0..<(x.count / d) {
                sum += cosine(x.scalars[(t * d)..<((t + 1) * d)], y.scalars[(t * d)..<((t + 1) * d)])
                count += 1
            }
        }
        return 1 - sum / Double(max(count, 1))
    }

    static func cosine(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (u, v) in zip(a, b) { dot += Double(u * v); na += Double(u * u); nb += Double(v * v) }
        return dot / max((na * nb).squareRoot(), 1e-30)
    }

    /// The angular distance of every span of `length` blocks: index ℓ covers blocks ℓ…ℓ+length−1.
    public static func angularDistances(lastTokenStates s: [[[Float]]], length: Int) -> [Double] {
        guard length >= 1, s.count > length else { return [] }
        return (0..<(s.count - length)).map { l in
            let pairs = zip(s[l], s[l + length])
            let total = pairs.reduce(0.0) { sum, pair in
                let c = min(1, max(-1, cosine(pair.0[...], pair.1[...])))
                return sum + acos(c) / Double.pi
            }
            return total / Double(max(s[l].count, 1))
        }
    }

    /// The `count` blocks to remove: lowest Block Influence, or the span of least angular distance.
    public static func blocksToRemove(count: Int, scores: LlamaStructureScores, angular: Bool) -> [Int] {
        guard count > 0 else { return [] }
        if angular {
            let d = angularDistances(lastTokenStates: scores.lastTokenStates, length: count)
            guard let best = d.indices.min(by: { d[$0] < d[$1] }) else { return [] }
            return Array(best..<(best + count))
        }
        let bi = scores.blockInfluence
        return bi.indices.sorted { bi[$0] < bi[$1] || (bi[$0] == bi[$1] && $0 < $1) }.prefix(count).sorted()
    }
}
