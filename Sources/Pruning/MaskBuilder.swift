import PruneTensor

/// Turns scores into masks: groups by pattern, distribution by scope, lowest scores pruned first.
/// Weights that are already masked are scored −∞, so pruning never revives them and they count
/// toward the target.
public enum MaskBuilder {
    /// Masks for `targets` at `sparsity` (fraction of the in-scope weights to prune; ignored by N:M).
    public static func masks(targets: [PruningTarget], criterion: any ImportanceCriterion,
                             statistics: CalibrationStatistics,
                             pattern: SparsityPattern, scope: PruningScope, sparsity: Double) throws -> [String: [Float]] {
        guard sparsity.isFinite, sparsity >= 0, sparsity < 1 else {
            throw PruningError.impossibleTarget("sparsity must be in [0, 1), got \(sparsity)" + (sparsity == 1 ? ": it would remove every weight" : ""))
        }
        var groups: [PatternGroups] = []
        var scores: [[Double]] = []
        for t in targets {
            let g = try PatternGroups.make(pattern, for: t)
            var s = try criterion.groupScores(t, groups: g, statistics: statistics)
            guard s.count == g.count else { throw PruningError.incompatible(layer: t.path,
                                                                            reason: "criterion gave \(s.count) scores for \(g.count) groups") }
            if let bad = s.firstIndex(where: { $0.isNaN }) {
                throw PruningError.incompatible(layer: t.path,
                                                reason: "score of group \(bad) is NaN (NaN weights or statistics?)")
            }
            let old = t.maskScalars
            var alive = [Bool](repeating: false, count: g.count)
            for (i, gi) in g.groupOf.enumerated() where old[i] != 0 { alive[Int(gi)] = true }
            for i in s.indices where !alive[i] { s[i] = -.infinity }
            groups.append(g); scores.append(s)
        }
        var keep: [[Bool]]
        if case .nOfM(let n, let m) = pattern {
            keep = zip(groups, scores).map { nOfM(n: n, m: m, groups: $0.0, scores: $0.1) }
        } else if criterion.comparesWithinOutputRows {
            keep = try withinRows(targets: targets, scores: scores, pattern: pattern, scope: scope, sparsity: sparsity,
                                  criterion: criterion.name, statistics: statistics)
        } else {
            keep = try distribute(targets: targets, groups: groups, scores: scores, scope: scope, sparsity: sparsity,
                                  statistics: statistics)
        }
        var out: [String: [Float]] = [:]
        for (k, t) in targets.enumerated() { out[t.path] = groups[k].mask(keeping: keep[k]) }
        return out
    }

    /// Per output row, the lowest-scoring fraction of the row pruned (Wanda's comparison group, Sun et
    /// al. 2024): the layer's target sparsity comes from a layerwise or per-layer scope.
    static func withinRows(targets: [PruningTarget], scores: [[Double]], pattern: SparsityPattern, scope: PruningScope,
                           sparsity: Double, criterion: String,
                           statistics: CalibrationStatistics = .none) throws -> [[Bool]] {
        guard pattern == .unstructured else {
            throw PruningError.invalidOption("\(criterion) compares weights within each output row: use the unstructured "
                                             + "or an N:M pattern, not \(pattern)")
        }
        var ratios: [String: Double] = [:]
        switch scope.distribution {
        case .layerwise: break
        case .perLayer, .allocated:
            ratios = try scope.layerSparsities(targets, sparsity: sparsity, statistics: statistics) ?? [:]
        case .global, .globalProtected:
            throw PruningError.invalidOption("\(criterion) compares weights within each output row, so every layer gets the "
                                             + "same sparsity: use a layerwise or per-layer scope, not global")
        }
        return try targets.enumerated().map { k, t in
            let target = ratios[t.path] ?? ratios[t.layerPath] ?? sparsity
            guard target >= 0, target < 1 else { throw PruningError.impossibleTarget("\(t.path): sparsity must be in [0, 1), got \(target)") }
            let perRow = Int((target * Double(t.fanIn)).rounded())
            var keep = [Bool](repeating: true, count: t.count)
            for r in 0..<t.outputs {
                let row = Array(r * t.fanIn..<(r + 1) * t.fanIn)
                let order = row.sorted { scores[k][$0] < scores[k][$1] || (scores[k][$0] == scores[k][$1] && $0 < $1) }
                var pruned = 0
                for i in order where pruned < perRow || scores[k][i] == -.infinity { keep[i] = false; pruned += 1 }
            }
            return keep
        }
    }

    /// Keep the N best of every run of M.
    static func nOfM(n: Int, m: Int, groups: PatternGroups, scores: [Double]) -> [Bool] {
        guard let runs = groups.runOf else { return [Bool](repeating: true, count: groups.count) }
        var members = [[Int]](repeating: [], count: (runs.max().map { Int($0) } ?? -1) + 1)
        for (i, r) in runs.enumerated() { members[Int(r)].append(i) }
        var keep = [Bool](repeating: false, count: groups.count)
        for run in members {
            let best = run.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }.prefix(n)
            for i in best { keep[i] = true }
        }
        return keep
    }

    /// Lowest-scoring groups pruned until each layer (layerwise, per-layer) or the whole scope
    /// (global) reaches its target, counted in weights.
    static func distribute(targets: [PruningTarget], groups: [PatternGroups], scores: [[Double]], scope: PruningScope,
                           sparsity: Double, statistics: CalibrationStatistics = .none) throws -> [[Bool]] {
        var keep = groups.map { [Bool](repeating: true, count: $0.count) }
        func ascending(_ s: [Double]) -> [Int] { s.indices.sorted { s[$0] < s[$1] || (s[$0] == s[$1] && $0 < $1) } }
        switch scope.distribution {
        case .layerwise, .perLayer, .allocated:
            let ratios = try scope.layerSparsities(targets, sparsity: sparsity, statistics: statistics) ?? [:]
            for (k, t) in targets.enumerated() {
                let target = ratios[t.path] ?? ratios[t.layerPath] ?? sparsity
                guard target >= 0, target < 1 else { throw PruningError.impossibleTarget("\(t.path): sparsity must be in [0, 1), got \(target)") }
                let goal = Int((target * Double(t.count)).rounded())
                var pruned = 0
                for i in ascending(scores[k]) {
                    let size = groups[k].sizes[i]
                    if pruned >= goal || pruned + size > goal + size / 2 { if scores[k][i] != -.infinity { break } }
                    keep[k][i] = false; pruned += size
                }
            }
        case .global, .globalProtected:
            let total = targets.reduce(0) { $0 + $1.count }
            let goal = Int((sparsity * Double(total)).rounded())
            var minimumKept = [Int](repeating: 0, count: targets.count)
            if case .globalProtected(let fraction) = scope.distribution {
                guard fraction > 0, fraction <= 1 else { throw PruningError.invalidOption("the protected minimum must be in (0, 1], got \(fraction)") }
                minimumKept = groups.map { max(1, Int((fraction * Double($0.count)).rounded(.up))) }
            }
            var order: [(Double, Int, Int)] = []
            for k in targets.indices { for i in scores[k].indices { order.append((scores[k][i], k, i)) } }
            order.sort { $0.0 < $1.0 || ($0.0 == $1.0 && ($0.1, $0.2) < ($1.1, $1.2)) }
            var alive = groups.map(\.count)
            var pruned = 0
            for (score, k, i) in order {
                let size = groups[k].sizes[i]
                let forced = score == -.infinity
                if !forced && (pruned >= goal || pruned + size > goal + size / 2) { continue }
                if !forced && alive[k] <= minimumKept[k] { continue }
                keep[k][i] = false; pruned += size; alive[k] -= 1
            }
            if case .globalProtected(let fraction) = scope.distribution, pruned < goal - (groups.map { $0.sizes.max() ?? 1 }.max() ?? 1) {
                throw PruningError.impossibleTarget("global sparsity \(sparsity) needs \(goal) of \(total) weights pruned, but keeping \(fraction * 100)% of every layer allows only \(pruned)")
            }
        }
        return keep
    }
}
