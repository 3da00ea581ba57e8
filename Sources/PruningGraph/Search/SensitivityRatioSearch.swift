/// Sensitivity-based allocation (Li et al., "Pruning Filters for Efficient ConvNets", ICLR 2017, §4.2:
/// prune each layer alone to see how sensitive it is, then prune the robust layers harder): every group
/// is pruned alone to each of `levels` and scored; a group's curve stops at its first level whose drop
/// from the unpruned score exceeds a bound d, and it gets the last level before that. The bound is the
/// smallest of the measured drops whose allocation keeps at most the target's MACs (the allocation
/// only grows with d, so this is the least sensitive allocation that meets the budget). The chosen
/// allocation is scored once more; it is the outcome's best even when single-group candidates scored
/// higher (they do not meet the budget).
public struct SensitivityRatioSearch: RatioSearch {
    public var name: String { "sensitivity" }
    public var levels: [Double]

    public init(levels: [Double] = (1...9).map { Double($0) / 10 }) { self.levels = levels.sorted() }

    public func budget(for space: RatioSearchSpace) -> Int { 2 + space.groups * levels.count }

    public func run(_ space: RatioSearchSpace, seed: UInt64, score: ([Double]) throws -> Double,
                    progress: (RatioCandidate, Int) -> Void) throws -> RatioSearchOutcome {
        var scored = ScoredCandidates(space: space)
        let zero = [Double](repeating: 0, count: space.groups)
        let baseline = try scored.evaluate(zero, generation: 0, score: score).score
        var drops = [[Double]](repeating: [], count: space.groups)
        for g in 0..<space.groups {
            for r in levels {
                var ratios = zero
                ratios[g] = r
                let c = try scored.evaluate(ratios, generation: 1, score: score)
                drops[g].append(baseline - c.score)
                progress(c, scored.all.count)
            }
        }
        let allocation = try smallestBound(drops, space: space)
        let best = try scored.evaluate(allocation, generation: 2, score: score)
        progress(best, scored.all.count)
        return RatioSearchOutcome(best: best, candidates: scored.all)
    }

    /// The allocation of the smallest measured drop bound that meets the space's cost target.
    func smallestBound(_ drops: [[Double]], space: RatioSearchSpace) throws -> [Double] {
        for bound in Set(drops.joined() + [0]).sorted() {
            let a = allocation(drops, bound: bound)
            if space.costFraction(a) <= space.keep + 1e-12 { return a }
        }
        let widest = allocation(drops, bound: .infinity)
        throw StructuredPruningError.invalid(String(format: "every group at its largest level (%.2f) still keeps "
                                                    + "%.1f%% of the %@, above the %.1f%% target", levels.last ?? 0,
                                                    space.costFraction(widest) * 100, space.cost.name,
                                                    space.keep * 100))
    }

    /// Per group, the last level before the first whose drop exceeds `bound` (0 when the first does).
    func allocation(_ drops: [[Double]], bound: Double) -> [Double] {
        drops.map { curve in
            var chosen = 0.0
            for (level, drop) in zip(levels, curve) {
                guard drop <= bound else { break }
                chosen = level
            }
            return chosen
        }
    }
}
