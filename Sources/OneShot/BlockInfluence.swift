import PruneTensor
import PruneNN

/// Block Influence (Men et al., "ShortGPT: Layers in Large Language Models are More Redundant
/// Than You Expect", 2024): BI_i = 1 − mean over tokens of cos(x_i, x_{i+1}), with x_i the hidden
/// state entering block i. Blocks that barely change their input have low BI and are removed
/// whole, without retraining.
public struct BlockInfluence {
    public init() {}

    /// BI of every encoder block, measured on the real (non-padding) calibration tokens.
    public func scores(_ model: BertModel, calibration: [TokenBatch]) throws -> [Double] {
        guard calibration.contains(where: { $0.count > 0 }) else { throw OneShotError.noCalibrationData("block influence needs calibration sentences") }
        var sums = [Double](repeating: 0, count: model.layers.count)
        var tokens = 0
        for batch in calibration {
            var x = try model.embed(tokens: batch)
            let d = x.shape[2]
            for l in model.layers.indices {
                let y = try model.runLayer(l, x, batch: batch)
                for t in 0..<(batch.count * batch.length) where batch.attentionMask[t] == 1 {
                    var dot: Float = 0, a: Float = 0, b: Float = 0
                    for j in 0..<d {
                        let u = x.scalars[t * d + j], v = y.scalars[t * d + j]
                        dot += u * v; a += u * u; b += v * v
                    }
                    sums[l] += Double(dot / Swift.max((a * b).squareRoot(), 1e-12))
                }
                x = y
            }
            tokens += batch.attentionMask.reduce(0, +)
        }
        return sums.map { 1 - $0 / Double(Swift.max(tokens, 1)) }
    }

    /// Removes the `count` blocks with the lowest BI; returns their original indices.
    @discardableResult
    public func prune(_ model: BertModel, count: Int, calibration: [TokenBatch]) throws -> (removed: [Int],
            scores: [Double]) {
        guard count >= 0, count < model.layers.count else {
            throw OneShotError.invalid("cannot remove \(count) of \(model.layers.count) encoder blocks (at least one must stay)")
        }
        let bi = try scores(model, calibration: calibration)
        let removed = bi.indices.sorted { bi[$0] < bi[$1] || (bi[$0] == bi[$1] && $0 < $1) }.prefix(count).sorted()
        model.removeLayers(Set(removed))
        return (Array(removed), bi)
    }
}
