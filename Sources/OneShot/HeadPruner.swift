import Foundation
import PruneTensor
import PruneNN

/// How attention heads are scored before removal.
public enum HeadImportance: String, Sendable, CaseIterable, Codable {
    /// Direct ablation: the drop in embedding fidelity on calibration data (1 − mean cosine to the
    /// dense embeddings) when head h alone is switched off (Michel, Levy & Neubig, "Are Sixteen
    /// Heads Really Better than One?", NeurIPS 2019, whose gate formulation this measures exactly).
    case ablation
    /// The mean L2 norm, over calibration tokens, of the head's contribution to the attention
    /// output, ‖ctx_h·W_O[:, h]ᵀ‖ (cheap: one pass).
    case outputNorm = "output-norm"
}

/// Retraining-free structured pruning of attention heads: scores every head on calibration data,
/// then physically removes the lowest-scoring ones across all layers (their rows of W_Q, W_K, W_V
/// and their columns of W_O), so the model gets smaller and faster, not just masked.
public struct HeadPruner {
    public var importance: HeadImportance
    public init(importance: HeadImportance = .ablation) { self.importance = importance }

    /// One score per head, per layer (higher = more important).
    public func scores(_ model: BertModel, calibration: [TokenBatch],
                       progress: ((String) -> Void)? = nil) throws -> [[Double]] {
        guard calibration.contains(where: { $0.count > 0 }) else { throw OneShotError.noCalibrationData("head scoring needs calibration sentences") }
        switch importance {
        case .outputNorm: return try outputNormScores(model, calibration)
        case .ablation: return try ablationScores(model, calibration, progress: progress)
        }
    }

    /// Removes `count` heads with the lowest scores across the model and returns them as (layer, head) pairs
    /// in the original numbering.
    @discardableResult
    public func prune(_ model: BertModel, count: Int, calibration: [TokenBatch],
                      progress: ((String) -> Void)? = nil) throws -> [(layer: Int, head: Int)] {
        let total = model.headsPerLayer.reduce(0, +)
        guard count >= 0, count <= total else { throw OneShotError.invalid("cannot remove \(count) heads: the model has \(total)") }
        if count == 0 { return [] }
        let s = try scores(model, calibration: calibration, progress: progress)
        var all: [(layer: Int, head: Int, score: Double)] = []
        for (l, row) in s.enumerated() { for (h, v) in row.enumerated() { all.append((l, h, v)) } }
        all.sort { $0.score < $1.score || ($0.score == $1.score && ($0.layer, $0.head) < ($1.layer, $1.head)) }
        let removed = all.prefix(count).map { (layer: $0.layer, head: $0.head) }
        for (l, layer) in model.layers.enumerated() {
            let drop = Set(removed.filter { $0.layer == l }.map(\.head))
            if drop.isEmpty { continue }
            try layer.attention.keepHeads((0..<layer.attention.selfAttention.headCount).filter { !drop.contains($0) })
        }
        return removed.sorted { ($0.layer, $0.head) < ($1.layer, $1.head) }
    }

    private func outputNormScores(_ model: BertModel, _ calibration: [TokenBatch]) throws -> [[Double]] {
        var scores = model.headsPerLayer.map { [Double](repeating: 0, count: $0) }
        var tokens = 0
        var hidden = try calibration.map { try model.embed(tokens: $0) }
        final class ContextTap: LinearInputObserver {
            var context: Tensor?
            func observe(_ input: Tensor,
                         paths: [String]) { if paths == ["attention.output.dense"] { context = input } }
        }
        for (l, layer) in model.layers.enumerated() {
            let heads = layer.attention.selfAttention.headCount, d = layer.attention.selfAttention.headSize
            guard let dense = layer.attention.output.dense as? any PrunableWeightLayer else {
                throw OneShotError.invalid("layer \(l): heads can only be scored on a dense attention output projection")
            }
            let wo = dense.prunableWeight.value, hiddenSize = wo.shape[0], width = wo.shape[1]
            for (i, batch) in calibration.enumerated() {
                let tap = ContextTap()
                hidden[i] = try model.runLayer(l, hidden[i], batch: batch, observer: tap)
                guard let ctx = tap.context, heads > 0 else { continue }
                for t in 0..<(batch.count * batch.length) where batch.attentionMask[t] == 1 {
                    if l == 0 { tokens += 1 }
                    for h in 0..<heads {
                        var sq = 0.0
                        for o in 0..<hiddenSize {
                            var s: Float = 0
                            for k in 0..<d { s += ctx.scalars[t * width + h * d + k] * wo.scalars[o * width + h * d + k] }
                            sq += Double(s * s)
                        }
                        scores[l][h] += sq.squareRoot()
                    }
                }
            }
        }
        return scores.map { $0.map { $0 / Double(Swift.max(tokens, 1)) } }
    }

    private func ablationScores(_ model: BertModel, _ calibration: [TokenBatch],
                                progress: ((String) -> Void)?) throws -> [[Double]] {
        // Hidden states entering each layer, so an ablation in layer l reruns only layers l…end.
        var entering: [[Tensor]] = [try calibration.map { try model.embed(tokens: $0) }]
        for l in model.layers.indices {
            entering.append(try zip(calibration, entering[l]).map { try model.runLayer(l, $1, batch: $0) })
        }
        let dense = zip(calibration, entering[model.layers.count]).map { BertModel.sentenceEmbeddings(hidden: $1,
                batch: $0) }
        var scores: [[Double]] = []
        for (l, layer) in model.layers.enumerated() {
            let sa = layer.attention.selfAttention, heads = sa.headCount
            var row: [Double] = []
            for h in 0..<heads {
                var gates = [Float](repeating: 1, count: heads)
                gates[h] = 0
                sa.headGates = gates
                defer { sa.headGates = nil }
                var cosSum = 0.0, n = 0
                for (i, batch) in calibration.enumerated() {
                    var x = entering[l][i]
                    for k in l..<model.layers.count { x = try model.runLayer(k, x, batch: batch) }
                    let e = BertModel.sentenceEmbeddings(hidden: x, batch: batch), d = e.shape[1]
                    for s in 0..<batch.count {
                        var c: Float = 0
                        for j in 0..<d { c += e.scalars[s * d + j] * dense[i].scalars[s * d + j] }
                        cosSum += Double(c); n += 1
                    }
                }
                row.append(1 - cosSum / Double(Swift.max(n, 1)))
            }
            scores.append(row)
            progress?("heads of layer \(l + 1)/\(model.layers.count) scored by ablation")
        }
        return scores
    }
}
