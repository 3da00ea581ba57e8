import Foundation
import PruneTensor
import PruneNN

/// Importance of every removable structure of a Llama decoder, measured in one pass of the
/// calibration rows through the dense model: per block, each query head, each key/value group
/// (its key/value head with the query heads it serves), each SwiGLU unit, the block's Block
/// Influence, and the hidden state of each row's last token (for angular distances of spans).
public struct LlamaStructureScores: Sendable {
    /// [block][query head]
    public var heads: [[Double]]
    /// [block][key/value head]
    public var groups: [[Double]]
    /// [block][unit]
    public var units: [[Double]]
    /// ShortGPT's Block Influence per block (see ``LlamaDepthScores``).
    public var blockInfluence: [Double]
    /// True when ``heads`` and ``groups`` hold model-level loss increases (``HeadAblation``), not
    /// output-energy scores of the importance.
    public var headScoresAreLossIncrease = false
    /// Mean squared norm of what each block adds to the residual stream, ‖x_out − x_in‖² per token:
    /// the output error of removing the whole block.
    public var blockChange: [Double] = []
    /// Mean squared norm of the residual stream entering each block, per token.
    public var residualEnergy: [Double] = []
    /// The last token's hidden state of every calibration row entering each block, and after the
    /// last: [block 0…L][row][hidden].
    public var lastTokenStates: [[[Float]]]

    /// Scores `model` on `calibration` with `importance`; `progress` gets one line per block.
    public static func measure(_ model: LlamaModel, calibration: [TokenRows], importance: any StructureImportance,
                               progress: ((String) -> Void)? = nil) throws -> LlamaStructureScores {
        guard calibration.contains(where: { $0.tokenCount > 0 }) else {
            throw OneShotError.noCalibrationData("structured scoring needs calibration text")
        }
        var scores = LlamaStructureScores(heads: [], groups: [], units: [], blockInfluence: [], lastTokenStates: [])
        var hidden = try calibration.map { try model.embed($0) }
        scores.lastTokenStates.append(hidden.flatMap(lastTokens))
        for (i, block) in model.layers.enumerated() {
            let tap = ChannelStatisticsTap(paths: ["self_attn.o_proj", "mlp.down_proj"])
            let next = try hidden.map { try model.runBlock(i, $0, observer: tap) }
            try scores.addBlock(block, tap: tap, importance: importance)
            scores.blockInfluence.append(LlamaDepthScores.influence(from: hidden, to: next))
            scores.residualEnergy.append(Self.meanSquaredNorm(hidden))
            scores.blockChange.append(Self.meanSquaredNorm(try zip(next, hidden).map { try $0 - $1 }))
            hidden = next
            scores.lastTokenStates.append(hidden.flatMap(lastTokens))
            progress?("scored block \(i + 1)/\(model.layers.count)")
        }
        return scores
    }

    mutating func addBlock(_ block: LlamaBlock, tap: ChannelStatisticsTap,
                           importance: any StructureImportance) throws {
        let attention = block.attention
        let context = try tap.finished("self_attn.o_proj"), wo = try StructuredSlice.dense(attention.output, "o_proj")
        let size = attention.headCount / attention.keyValueHeadCount
        func channels(_ heads: Range<Int>) -> [Int] { attention.channels(ofHeads: Array(heads)) }
        heads.append((0..<attention.headCount).map {
            importance.score(weight: wo, channels: channels($0..<($0 + 1)), statistics: context) })
        groups.append((0..<attention.keyValueHeadCount).map {
            importance.score(weight: wo, channels: channels(($0 * size)..<(($0 + 1) * size)), statistics: context) })
        let activations = try tap.finished("mlp.down_proj"), wd = try StructuredSlice.dense(block.mlp.down, "down_proj")
        units.append((0..<block.mlp.gate.outFeatures).map {
            importance.score(weight: wd, channels: [$0], statistics: activations) })
    }

    static func meanSquaredNorm(_ h: [Tensor]) -> Double {
        let tokens = h.reduce(0) { $0 + $1.count / max($1.shape.last ?? 1, 1) }
        return h.reduce(0.0) { sum, t in sum + t.scalars.reduce(0.0) { $0 + Double($1 * $1) } } / Double(max(tokens, 1))
    }

    /// The last position's hidden vector of each row of `[rows, length, hidden]`.
    static func lastTokens(_ h: Tensor) -> [[Float]] {
        let rows = h.shape[0], length = h.shape[1], d = h.shape[2]
        return (0..<rows).map { r in Array(h.scalars[((r * length + length - 1) * d)..<((r * length + length) * d)]) }
    }
}
