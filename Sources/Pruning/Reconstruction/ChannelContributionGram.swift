import CBLAS
import PruneTensor

/// The Gram matrix of the channels of a group as their consumers see them: with x̂_{s,o,c} the part of
/// consumer output o at sampled patch s that comes from input channel c (Σ over c's kernel window or
/// expanded features u of W[o, c·u + j]·x_s[c·u + j]), G[c, c′] = Σ_{s,o} x̂_{s,o,c}·x̂_{s,o,c′} / S,
/// summed over the consumers. It equals the block sums of (XᵀX) ⊙ (WᵀW) over each pair of channels'
/// u × u features, so no contribution is ever materialized. ThiNet's reconstruction error of removing
/// a set T is 1ᵀ G_TT 1; LASSO channel selection minimizes ½βᵀGβ − (G1)ᵀβ + λ‖β‖₁.
public enum ChannelContributionGram {
    /// G for the group's channels, from the consumers' input patch Grams in `statistics`.
    public static func make(_ group: ChannelGroupView, statistics: CalibrationStatistics,
                            method: String) throws -> [Double] {
        guard !group.consumers.isEmpty else {
            throw PruningError.incompatible(layer: "group \(group.id)",
                                            reason: "\(method) reconstructs the layers that read a group's channels, "
                                            + "and no Linear or Conv2d reads this group's")
        }
        let c = group.channels
        var total = [Double](repeating: 0, count: c * c)
        for consumer in group.consumers {
            let g = try consumerGram(consumer, channels: c, statistics: statistics, method: method)
            for i in total.indices { total[i] += g[i] }
        }
        return total
    }

    static func consumerGram(_ consumer: ChannelGroupView.Consumer, channels c: Int,
                             statistics: CalibrationStatistics, method: String) throws -> [Double] {
        let t = consumer.target
        guard let x = statistics.patchGrams[t.layerPath], x.samples > 0 else {
            throw PruningError.missingStatistics("no input patches measured for \(t.layerPath): \(method) needs "
                                                 + "calibration data, and the layer must be reachable in the forward "
                                                 + "pass")
        }
        let u = t.kernelArea * consumer.expansion, first = consumer.firstChannel * u, width = c * u
        guard t.weightGroups == 1, x.features == t.fanIn, first + width <= t.fanIn else {
            throw PruningError.incompatible(layer: t.path, reason: "its input features do not hold the group's "
                                            + "\(c) channels × \(u) features at \(first) (\(t.fanIn) features)")
        }
        let w = weightGram(t, first: first, width: width)
        var g = [Double](repeating: 0, count: c * c)
        let n = x.features, scale = 1 / Double(x.samples)
        for a in 0..<c {
            for b in a..<c {
                var sum = 0.0
                for i in 0..<u {
                    let row = first + a * u + i, wRow = (a * u + i) * width
                    for j in 0..<u { sum += x.values[row * n + first + b * u + j] * w[wRow + b * u + j] }
                }
                g[a * c + b] = sum * scale
                g[b * c + a] = sum * scale
            }
        }
        return g
    }

    /// WᵀW over the columns `first ..< first + width` of the consumer's `[out × fanIn]` weight.
    static func weightGram(_ t: PruningTarget, first: Int, width: Int) -> [Double] {
        let out = t.outputs, n = t.fanIn
        let s = t.parameter.effectiveValue.scalars
        var columns = [Double](repeating: 0, count: out * width)
        for o in 0..<out { for j in 0..<width { columns[o * width + j] = Double(s[o * n + first + j]) } }
        var g = [Double](repeating: 0, count: width * width)
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(width), Int32(width), Int32(out), 1, columns,
                    Int32(width), columns, Int32(width), 0, &g, Int32(width))
        return g
    }
}
