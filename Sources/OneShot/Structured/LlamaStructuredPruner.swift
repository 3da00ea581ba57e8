import Foundation
import PruneTensor
import PruneNN

/// Applies a ``LlamaStructurePlan`` to a Llama decoder block by block, physically: removed key/value
/// groups and query heads leave q/k/v_proj rows and o_proj columns, removed units leave gate/up
/// rows and down_proj columns, removed blocks leave the model. Before each cut the calibration rows,
/// run through the already-pruned blocks before it, give the statistics of the projection that
/// follows (o_proj, down_proj), which is then refitted and/or bias-compensated by ``LeastSquaresRefit``
/// — so each fit sees the inputs the pruned model really produces.
public struct LlamaStructuredPruner: Sendable {
    public var recovery: LeastSquaresRefit

    public init(recovery: LeastSquaresRefit) { self.recovery = recovery }

    public func apply(_ plan: LlamaStructurePlan, to model: LlamaModel, calibration: [TokenRows],
                      progress: ((String) -> Void)? = nil) throws {
        guard plan.keptGroups.count == model.layers.count, plan.keptUnits.count == model.layers.count else {
            throw OneShotError.invalid("the plan is for \(plan.keptGroups.count) blocks, the model has "
                                       + "\(model.layers.count)")
        }
        let fits = recovery.refit || recovery.compensateBias
        var hidden = try calibration.map { try model.embed($0) }
        let removed = Set(plan.removedBlocks)
        for b in model.layers.indices where !removed.contains(b) {
            let block = model.layers[b]
            if plan.keptGroups[b] != Self.allGroups(block.attention) {
                let stats = fits ? try statistics(model, b, hidden, "self_attn.o_proj") : nil
                let dense = block.attention.output
                try block.attention.keep(groups: plan.keptGroups[b])
                if let stats {
                    let kept = block.attention.channels(ofHeads: plan.keptGroups[b].flatMap(\.queryHeads))
                    try block.attention.replaceChild(named: "o_proj", with: recovery.fit(dense, kept: kept,
                            statistics: stats, path: "model.layers.\(b).self_attn.o_proj"))
                }
            }
            if plan.keptUnits[b].count != block.mlp.gate.outFeatures {
                let stats = fits ? try statistics(model, b, hidden, "mlp.down_proj") : nil
                let dense = block.mlp.down
                try block.mlp.keep(units: plan.keptUnits[b])
                if let stats {
                    try block.mlp.replaceChild(named: "down_proj", with: recovery.fit(dense, kept: plan.keptUnits[b],
                            statistics: stats, path: "model.layers.\(b).mlp.down_proj"))
                }
            }
            hidden = try hidden.map { try model.runBlock(b, $0) }
            progress?("pruned block \(b + 1)/\(model.layers.count)")
        }
        model.removeLayers(removed)  // also brings the configuration in step with the cut blocks
    }

    func statistics(_ model: LlamaModel, _ b: Int, _ hidden: [Tensor], _ path: String) throws -> ChannelStatistics {
        let tap = ChannelStatisticsTap(paths: [path])
        for h in hidden { _ = try model.runBlock(b, h, observer: tap) }
        return try tap.finished(path)
    }

    static func allGroups(_ a: LlamaAttention) -> [KeptHeadGroup] {
        let size = a.headCount / max(a.keyValueHeadCount, 1)
        return (0..<a.keyValueHeadCount).map { KeptHeadGroup(keyValueHead: $0,
                                                             queryHeads: Array(($0 * size)..<(($0 + 1) * size))) }
    }
}
