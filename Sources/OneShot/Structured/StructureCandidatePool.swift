import Foundation
import PruneNN

/// One removable structure: a key/value group, a query-head slot (one query head from every group
/// of a block — the lowest-scored one not yet removed), a SwiGLU unit, or a whole block.
struct StructureCandidate: Hashable {
    enum Kind: Hashable { case group, querySlot, unit, block }
    var kind: Kind
    var block: Int
    var index: Int
    var score: Double
    /// What the global ranking sorts by: the score standardized within its block and kind (FLAP's
    /// rule), or the relative output error per removed weight (``LlamaStructureRanking``).
    var standardized: Double
    /// What it saves in the allocation's ``StructureCost`` (projection weights by default).
    var cost: Int
}

/// The candidates of one model and the constraints on removing them: each block keeps at least
/// one group, one query head per group, and `roundTo` (≥ 1) units, kept widths multiples of `roundTo`.
struct StructureCandidatePool {
    let shapes: [LlamaLayerShape]
    let roundTo: Int
    /// Each block's whole cost.
    let blockCosts: [Int]
    /// [block][group] query heads of the group, lowest score first.
    let headOrder: [[[Int]]]
    private(set) var candidates: [StructureCandidate.Kind: [StructureCandidate]]

    init(model: LlamaModel, scores: LlamaStructureScores, roundTo: Int, cost: any StructureCost = BlockWeightCost(),
         relativeErrorOf importance: (any StructureImportance)? = nil) throws {
        let shapes = model.layerShapes, h = model.config.hiddenSize, d = model.config.headSize
        self.shapes = shapes; self.roundTo = roundTo
        let costs = shapes.map { cost.cost(of: $0, hidden: h, headSize: d) }
        blockCosts = costs
        var order: [[[Int]]] = [], groups: [StructureCandidate] = [], slots: [StructureCandidate] = []
        var units: [StructureCandidate] = [], blocks: [StructureCandidate] = []
        for (b, s) in shapes.enumerated() {
            blocks.append(StructureCandidate(kind: .block, block: b, index: b,
                                             score: b < scores.blockChange.count ? scores.blockChange[b] : 0,
                                             standardized: 0, cost: costs[b]))
            let size = s.headCount / s.keyValueHeadCount, headScores = scores.heads[b]
            let headZ = Self.standardized(headScores), unitZ = Self.standardized(scores.units[b])
            let byGroup = (0..<s.keyValueHeadCount).map { g in
                ((g * size)..<((g + 1) * size)).sorted { headScores[$0] < headScores[$1] || (headScores[$0]
                    == headScores[$1] && $0 < $1) }
            }
            order.append(byGroup)
            groups += scores.groups[b].enumerated().map { g, score in
                let z = ((g * size)..<((g + 1) * size)).reduce(0) { $0 + headZ[$1] } / Double(size)
                return StructureCandidate(kind: .group, block: b, index: g, score: score, standardized: z,
                                          cost: cost.cost(weights: (2 * size + 2) * d * h, queryHeads: size,
                                                          headSize: d))
            }
            slots += (0..<max(size - 1, 0)).map { r in
                StructureCandidate(kind: .querySlot, block: b, index: r,
                                   score: byGroup.reduce(0) { $0 + headScores[$1[r]] },
                                   standardized: byGroup.reduce(0) { $0 + headZ[$1[r]] } / Double(byGroup.count),
                                   cost: cost.cost(weights: s.keyValueHeadCount * 2 * d * h,
                                                   queryHeads: s.keyValueHeadCount, headSize: d))
            }
            units += scores.units[b].enumerated().map {
                StructureCandidate(kind: .unit, block: b, index: $0.offset, score: $0.element,
                                   standardized: unitZ[$0.offset],
                                   cost: cost.cost(weights: 3 * h, queryHeads: 0, headSize: d))
            }
        }
        headOrder = order
        candidates = [.group: groups, .querySlot: slots, .unit: units, .block: blocks]
        if let importance {
            try rankByRelativeError(importance, residualEnergy: scores.residualEnergy,
                                    headsByLoss: scores.headScoresAreLossIncrease)
        }
    }

    /// How many of `kind` block `b` may lose.
    func removable(_ kind: StructureCandidate.Kind, block b: Int) -> Int {
        let s = shapes[b]
        switch kind {
        case .group: return s.keyValueHeadCount - 1
        case .querySlot: return s.headCount / s.keyValueHeadCount - 1
        case .unit: return s.intermediateSize - max(roundTo, 1)
        case .block: return 1
        }
    }

    func checkReachable(_ target: Int, kinds: [StructureCandidate.Kind], axis: LlamaStructureAxis,
                        total: Int, of what: String) throws {
        let most = kinds.reduce(0) { sum, kind in
            sum + shapes.indices.reduce(0) { s, b in
                s + (candidates[kind] ?? []).filter { $0.block == b }.prefix(removable(kind, block: b))
                    .reduce(0) { $0 + $1.cost }
            }
        }
        guard most >= target else {
            func percent(_ n: Int) -> String { String(format: "%.1f%%", 100 * Double(n) / Double(max(total, 1))) }
            throw OneShotError.invalid("\(axis.rawValue) alone can remove at most \(percent(most)) of the "
                                       + "\(what) (at least one group, one query head per group and "
                                       + "\(max(roundTo, 1)) MLP units stay in every block); asked for "
                                       + percent(target))
        }
    }

    /// Lowest standardized scores first (each score standardized within its block and kind, as
    /// FLAP's adaptive structure search does), within the constraints, until `target`. With
    /// `blockLimit`, no block loses more than that fraction of its cost to structures inside it (a
    /// whole block, under `--axis all`, is its own decision). `reached` is false when the limit stopped it short.
    func greedy(kinds: [StructureCandidate.Kind], target: Int,
                blockLimit: Double? = nil) -> (chosen: [StructureCandidate], reached: Bool) {
        var pooled = kinds.flatMap { candidates[$0] ?? [] }.map { (z: $0.standardized, c: $0) }
        pooled.sort { ($0.z, $0.c.block, $0.c.index) < ($1.z, $1.c.block, $1.c.index) }
        let limits = blockCosts.map { whole in blockLimit.map { Int($0 * Double(whole)) } ?? Int.max }
        var taken: [StructureCandidate] = [], removed = 0, gone = Set<Int>()
        var counts: [StructureCandidate.Kind: [Int]] = [:], inBlock = [Int](repeating: 0, count: shapes.count)
        for (_, c) in pooled where removed < target && !gone.contains(c.block) {
            if c.kind == .block {
                // A whole block replaces what was taken inside it; one block always stays.
                guard gone.count + 1 < shapes.count else { continue }
                removed -= taken.filter { $0.block == c.block }.reduce(0) { $0 + $1.cost }
                taken.removeAll { $0.block == c.block }
                gone.insert(c.block); taken.append(c); removed += c.cost
                continue
            }
            var perBlock = counts[c.kind] ?? [Int](repeating: 0, count: shapes.count)
            guard perBlock[c.block] < removable(c.kind, block: c.block),
                  inBlock[c.block] + c.cost <= limits[c.block] else { continue }
            perBlock[c.block] += 1; counts[c.kind] = perBlock
            taken.append(c); removed += c.cost; inBlock[c.block] += c.cost
        }
        return (roundedUnits(taken), removed >= target)
    }

    /// (v − mean) / sample standard deviation.
    static func standardized(_ v: [Double]) -> [Double] {
        let mean = v.reduce(0, +) / Double(max(v.count, 1))
        let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(v.count - 1, 1))
        let sd = max(variance.squareRoot(), 1e-30)
        return v.map { ($0 - mean) / sd }
    }

    /// Ranks every candidate by the squared output error its removal causes, relative to the
    /// energy of the residual stream it writes into, per removed weight: one currency for heads and
    /// units in every block (Prune's rule; FLAP standardizes instead). Heads scored by ablation
    /// (`headsByLoss`) rank by their loss increase per removed weight, already one currency across blocks.
    mutating func rankByRelativeError(_ importance: any StructureImportance, residualEnergy: [Double],
                                      headsByLoss: Bool = false) throws {
        for (kind, list) in candidates {
            candidates[kind] = try list.map { c in
                if headsByLoss && (kind == .group || kind == .querySlot) {
                    var ranked = c
                    ranked.standardized = c.score / Double(max(c.cost, 1))
                    return ranked
                }
                guard let error = kind == .block ? c.score : importance.outputError(score: c.score) else {
                    throw OneShotError.invalid("the relative-error ranking needs an importance that measures an "
                                               + "output error (output-norm or fluctuation), not \(importance.name)")
                }
                var ranked = c
                let energy = c.block < residualEnergy.count ? residualEnergy[c.block] : 1
                ranked.standardized = error / max(energy, 1e-30) / Double(max(c.cost, 1))
                return ranked
            }
        }
    }
}
