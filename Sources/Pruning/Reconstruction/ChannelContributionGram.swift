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
        let s = t.parameter.effectiveValue.scalars
        var columns = [Double](repeating: 0, count: t.outputs * width)
        for o in 0..<t.outputs { for j in 0..<width { columns[o * width + j] = Double(s[o * t.fanIn + first + j]) } }
        let g = blockSums(x.values, stride: x.features, offset: first,
                          weightGram: weightGram(columns, rows: t.outputs, width: width), unit: u, channels: c)
        return g.map { $0 / Double(x.samples) }
    }

    /// Σ over each pair of channels' u × u features of X ⊙ (WᵀW): the Gram of the channels' contributions
    /// through the weight. `x` is read at rows and columns `offset ..< offset + channels·u` (row stride
    /// `stride`); `weightGram` is `(channels·u)²`.
    static func blockSums(_ x: [Double], stride: Int, offset: Int, weightGram w: [Double], unit u: Int,
                          channels c: Int) -> [Double] {
        let width = c * u
        var g = [Double](repeating: 0, count: c * c)
        for a in 0..<c {
            for b in a..<c {
                var sum = 0.0
                for i in 0..<u {
                    let row = (offset + a * u + i) * stride + offset + b * u, wRow = (a * u + i) * width + b * u
                    for j in 0..<u { sum += x[row + j] * w[wRow + j] }
                }
                g[a * c + b] = sum
                g[b * c + a] = sum
            }
        }
        return g
    }

    /// WᵀW of a row-major `[rows × width]` matrix.
    static func weightGram(_ w: [Double], rows: Int, width: Int) -> [Double] {
        DoubleMatrix.product(w, w, m: width, k: rows, n: width, transposeA: true)
    }
}
