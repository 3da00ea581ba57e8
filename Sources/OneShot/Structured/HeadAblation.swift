import Foundation
import PruneTensor
import PruneAutodiff
import PruneNN

/// Head and key/value-group importance by ablation (Michel, Levy & Neubig, "Are Sixteen Heads Really
/// Better than One?", NeurIPS 2019): each query head and each group is removed in turn — its columns
/// of o_proj zeroed, which removes exactly its contribution (a group's key/value head feeds only its
/// query heads) — and the model runs from that block to the logits on calibration windows. The score
/// is the mean per-token KL(dense ‖ ablated) of the next-token distribution: a loss increase of the
/// whole model, comparable across blocks. It replaces the head and group scores of a
/// ``LlamaStructureScores``; units keep theirs. Cost: one partial forward per head and group.
public struct HeadAblation: Sendable {
    /// Calibration windows the ablations are measured on (the first ones).
    public var windows: Int

    public init(windows: Int = 4) { self.windows = windows }

    public func apply(to scores: inout LlamaStructureScores, model: LlamaModel, calibration: [TokenRows],
                      progress: ((String) -> Void)? = nil) throws {
        let rows = Array(calibration.filter { $0.tokenCount > 0 }.prefix(windows))
        guard windows >= 1, !rows.isEmpty else {
            throw OneShotError.noCalibrationData("head ablation needs ≥ 1 calibration window")
        }
        var inputs: [[Tensor]] = [], h = try rows.map { try model.embed($0) }
        for i in model.layers.indices { inputs.append(h); h = try h.map { try model.runBlock(i, $0) } }
        let dense = try h.map { try logProbabilities(model, $0) }
        for (i, block) in model.layers.enumerated() {
            let a = block.attention, size = a.headCount / a.keyValueHeadCount
            func ablated(_ heads: [Int]) throws -> Double {
                try divergence(model, from: i, inputs[i], dense, zeroing: a.channels(ofHeads: heads))
            }
            scores.heads[i] = try (0..<a.headCount).map { try ablated([$0]) }
            scores.groups[i] = try (0..<a.keyValueHeadCount).map { try ablated(Array(($0 * size)..<(($0 + 1) * size))) }
            progress?("ablated the heads of block \(i + 1)/\(model.layers.count)")
        }
        scores.headScoresAreLossIncrease = true
    }

    /// Mean per-token KL(dense ‖ model with o_proj's `channels` of block `block` zeroed).
    func divergence(_ model: LlamaModel, from block: Int, _ inputs: [Tensor], _ dense: [[Float]],
                    zeroing channels: [Int]) throws -> Double {
        guard let o = model.layers[block].attention.output as? Linear else {
            throw OneShotError.invalid("head ablation needs a dense o_proj in block \(block)")
        }
        let original = o.weight.value, width = original.shape[1]
        var zeroed = original.scalars
        for r in 0..<original.shape[0] { for c in channels { zeroed[r * width + c] = 0 } }
        o.weight.value = Tensor(unchecked: original.shape, zeroed)
        defer { o.weight.value = original }
        var total = 0.0, positions = 0
        for (w, input) in inputs.enumerated() {
            var h = input
            for i in block..<model.layers.count { h = try model.runBlock(i, h) }
            let q = try logProbabilities(model, h), p = dense[w], v = model.config.vocabularySize
            for t in 0..<(p.count / v) {
                var kl = 0.0
                for j in (t * v)..<((t + 1) * v) { kl += Double(exp(p[j])) * Double(p[j] - q[j]) }
                total += kl
            }
            positions += p.count / v
        }
        return total / Double(max(positions, 1))
    }

    func logProbabilities(_ model: LlamaModel, _ h: Tensor) throws -> [Float] {
        try withNoGrad { try model.logits(Variable(h)).logSoftmax(axis: -1).value.scalars }
    }
}
