import Foundation
import PruneNN

/// What structured decoder pruning removes.
public enum LlamaStructureAxis: String, Sendable, CaseIterable, Codable {
    /// Whole key/value groups: the key/value head, its query heads, their o_proj columns.
    case heads
    /// Query heads inside groups, the same number from every group of a block.
    case queryHeads = "query-heads"
    /// SwiGLU units (gate/up rows, down_proj columns).
    case width
    /// Whole blocks.
    case depth
    /// Groups and units together, chosen by standardized scores (FLAP's adaptive structure search).
    case global
    /// Groups, units and whole blocks together, by the relative-error ranking (`--spread global`): a
    /// block competes with the structures inside blocks by the change it makes to the residual stream.
    case all
}

/// How removals spread over blocks.
public enum LlamaStructureSpread: String, Sendable, CaseIterable, Codable {
    /// The same count in every block (the model stays loadable by transformers).
    case uniform
    /// Ranked across blocks by score: blocks end with different widths (GGUF stores them).
    case global
}

/// How the global spread and the global axis compare structures across blocks and kinds.
public enum LlamaStructureRanking: String, Sendable, CaseIterable, Codable {
    /// Scores standardized within each block and kind (FLAP's adaptive structure search).
    case standardized
    /// Output error of the removal relative to the residual stream's energy, per removed weight.
    case relative
}

/// Turns scores and a target (a fraction of the projection weights, or of another
/// ``StructureCost``, to remove) into a ``LlamaStructurePlan``.
public struct LlamaStructureAllocator: Sendable {
    public var axis: LlamaStructureAxis
    public var spread: LlamaStructureSpread
    /// Fraction of `cost` (by default the blocks' projection weights: the non-embedding parameters, norms
    /// aside) to remove.
    public var removeFraction: Double
    /// What the target counts: block weights, or decoding FLOPs at a context length.
    public var cost: any StructureCost = BlockWeightCost()
    /// With the ranked spread (`--spread global`): no block loses more than `removeFraction + blockExcess`
    /// of its cost to structures inside it — the bound on non-uniformity of OWL (Yin et al. 2024, λ);
    /// 1 or more leaves the ranking unbounded. The uniform spread cuts every block alike and ignores it.
    public var blockExcess = LlamaStructureAllocator.defaultBlockExcess
    /// 0.1: on SmolLM2-135M (README) the bounded mix beats width and depth alone after distillation at
    /// 20%, 30% and 50%; unbounded it is a little better at 20–30% and far worse at 50%.
    public static let defaultBlockExcess = 0.1
    /// Kept MLP widths are multiples of this (kernel-friendly widths).
    public var roundTo: Int
    /// Depth by the angular distance of a span (Gromov et al.) instead of Block Influence.
    public var angularDepth: Bool
    /// For the heads and query-heads axes: query heads every block keeps, instead of a fraction.
    public var keepHeads: Int?
    /// How the global ranking compares structures; `.relative` needs the importance that scored them.
    public var ranking: LlamaStructureRanking = .standardized

    public init(axis: LlamaStructureAxis, spread: LlamaStructureSpread = .uniform, removeFraction: Double,
                roundTo: Int = 1, angularDepth: Bool = false, keepHeads: Int? = nil) {
        self.axis = axis; self.spread = spread; self.removeFraction = removeFraction; self.roundTo = roundTo
        self.angularDepth = angularDepth; self.keepHeads = keepHeads
    }

    public func plan(_ model: LlamaModel, scores: LlamaStructureScores,
                     importance: (any StructureImportance)? = nil) throws -> LlamaStructurePlan {
        guard ranking == .standardized || importance != nil else {
            throw OneShotError.invalid("the relative ranking needs the importance the scores came from")
        }
        guard axis != .all || (spread == .global && ranking == .relative) else {
            throw OneShotError.invalid("--axis all ranks blocks against groups and units by their output error: "
                                       + "it needs --spread global and --ranking relative")
        }
        guard !(scores.headScoresAreLossIncrease && (axis == .global || axis == .all) && ranking == .relative) else {
            throw OneShotError.invalid("heads scored by ablation (a loss increase) and units scored by output error "
                                       + "have no common currency: rank the global mix with --ranking standardized")
        }
        if let keepHeads, axis == .heads || axis == .queryHeads {
            let pool = try StructureCandidatePool(model: model, scores: scores, roundTo: roundTo)
            return pool.plan(removing: try pool.keeping(queryHeads: keepHeads, wholeGroups: axis == .heads))
        }
        guard removeFraction > 0, removeFraction < 1, roundTo >= 1 else {
            throw OneShotError.invalid("remove a fraction in (0, 1) with round-to ≥ 1, got \(removeFraction), "
                                       + "\(roundTo)")
        }
        let pool = try StructureCandidatePool(model: model, scores: scores, roundTo: roundTo, cost: cost,
                                              relativeErrorOf: ranking == .relative ? importance : nil)
        let total = cost.total(model)
        let target = Int((removeFraction * Double(total)).rounded(.up))
        if axis == .depth { return try depthPlan(pool, model: model, scores: scores, target: target) }
        let kinds: [StructureCandidate.Kind] = switch axis {
        case .heads: [.group]
        case .queryHeads: [.querySlot]
        case .width: [.unit]
        case .global, .depth: [.group, .unit]
        case .all: [.group, .unit, .block]
        }
        try pool.checkReachable(target, kinds: kinds, axis: axis, total: total, of: cost.name)
        var (chosen, excess) = try bounded(pool, kinds: kinds, target: target)
        if spread == .uniform { chosen = pool.uniform(like: chosen, kinds: kinds, target: target) }
        var plan = pool.plan(removing: chosen)
        plan.blockExcess = excess
        return plan
    }

    /// The ranked choice under the block bound: `blockExcess` first, raised by 0.05 until the target is
    /// reachable (whole groups can be larger than target + λ of a block); the excess met, nil if unbounded.
    func bounded(_ pool: StructureCandidatePool, kinds: [StructureCandidate.Kind],
                 target: Int) throws -> ([StructureCandidate], Double?) {
        guard blockExcess >= 0, blockExcess.isFinite else {
            throw OneShotError.invalid("--block-excess must be a finite fraction ≥ 0, got \(blockExcess)")
        }
        guard spread == .global else { return (pool.greedy(kinds: kinds, target: target).chosen, nil) }
        var excess = blockExcess
        while removeFraction + excess < 1 {
            let (chosen, reached) = pool.greedy(kinds: kinds, target: target, blockLimit: removeFraction + excess)
            if reached { return (chosen, excess) }
            excess += 0.05
        }
        return (pool.greedy(kinds: kinds, target: target).chosen, nil)
    }

    func depthPlan(_ pool: StructureCandidatePool, model: LlamaModel, scores: LlamaStructureScores,
                   target: Int) throws -> LlamaStructurePlan {
        let perBlock = cost.total(model) / max(model.layers.count, 1)
        let count = Int((Double(target) / Double(max(perBlock, 1))).rounded(.up))
        guard count < model.layers.count else {
            throw OneShotError.invalid("depth: removing \(count) of \(model.layers.count) blocks leaves none")
        }
        var plan = pool.plan(removing: [])
        plan.removedBlocks = LlamaDepthScores.blocksToRemove(count: count, scores: scores, angular: angularDepth)
        return plan
    }
}
