/// Which channels of each group a structured prune removes: the lowest-scoring ones (each score
/// normalized by its group's mean so groups compare) until the target cost is met, within the
/// per-group minimum, then rounded to the pruner's multiple.
struct StructuredSelection {
    let pruner: StructuredPruner
    let graph: DependencyGraph
    let scores: [[Double]]

    func removedChannels() throws -> [Set<Int>] {
        var removed: [Set<Int>]
        switch pruner.target {
        case .channelRatio(let r): removed = byRatio(graph.groups.map { _ in r })
        case .groupRatios(let rs):
            guard rs.count == graph.groups.count else {
                throw StructuredPruningError.invalid("\(rs.count) group ratios for a model of \(graph.groups.count) groups")
            }
            removed = byRatio(rs)
        case .parameters(let keep): removed = try byCost(keep, flops: false)
        case .flops(let keep): removed = try byCost(keep, flops: true)
        }
        if pruner.roundTo > 1 { roundUp(&removed) }
        return removed
    }

    private func minimum(_ g: PruningGroup) -> Int {
        Self.minimumKept(fraction: pruner.minimumKept, channels: g.channels)
    }

    /// The fewest channels a group keeps: `fraction` of them rounded up, and at least one.
    static func minimumKept(fraction: Double, channels: Int) -> Int {
        max(1, Int((fraction * Double(channels)).rounded(.up)))
    }

    private func ascending(_ s: [Double]) -> [Int] { s.indices.sorted { s[$0] < s[$1] || (s[$0] == s[$1] && $0 < $1) } }

    private func byRatio(_ ratios: [Double]) -> [Set<Int>] {
        graph.groups.enumerated().map { gi, g in
            let goal = StructuredSelection.removedCount(ratio: ratios[gi], channels: g.channels, minimum: minimum(g))
            return Set(ascending(scores[gi]).prefix(goal))
        }
    }

    private func byCost(_ keep: Double, flops: Bool) throws -> [Set<Int>] {
        var widths = Dictionary(uniqueKeysWithValues: graph.groups.map { (ObjectIdentifier($0), $0.channels) })
        func cost() -> Double {
            let c = StructuredPruner.cost(graph, widths)
            return Double(flops ? c.macs : c.parameters)
        }
        let limit = cost() * keep
        var current = cost()
        var removed = graph.groups.map { _ in Set<Int>() }
        for (_, gi, c) in normalizedOrder() where current > limit {
            let g = graph.groups[gi], id = ObjectIdentifier(g)
            guard widths[id]! > minimum(g) else { continue }
            widths[id]! -= 1
            removed[gi].insert(c)
            current = cost()
        }
        if current > limit {
            throw StructuredPruningError.invalid("impossible target: keeping \(pruner.minimumKept * 100)% of every group leaves "
                                                 + "\(Int(current)) \(flops ? "MACs" : "parameters"), above the \(Int(limit)) asked for")
        }
        return removed
    }

    /// Channels in order of score, each normalized by its group's mean so groups compare.
    private func normalizedOrder() -> [(Double, Int, Int)] {
        var order: [(Double, Int, Int)] = []
        for (gi, s) in scores.enumerated() {
            let mean = s.reduce(0, +) / Double(max(s.count, 1))
            for (c, v) in s.enumerated() { order.append((mean > 0 ? v / mean : v, gi, c)) }
        }
        return order.sorted { $0.0 < $1.0 || ($0.0 == $1.0 && ($0.1, $0.2) < ($1.1, $1.2)) }
    }

    /// Restores the best-scoring removed channels until every kept count is a multiple of `roundTo`.
    private func roundUp(_ removed: inout [Set<Int>]) {
        let step = pruner.roundTo
        for (gi, g) in graph.groups.enumerated() {
            let kept = g.channels - removed[gi].count
            let goal = Self.roundedKept(kept, channels: g.channels, step: step)
            let s = scores[gi]
            let back = removed[gi].sorted { s[$0] > s[$1] || (s[$0] == s[$1] && $0 < $1) }
            for c in back.prefix(goal - kept) { removed[gi].remove(c) }
        }
    }

    /// A kept count rounded up to a multiple of `step`, at most all the channels.
    static func roundedKept(_ kept: Int, channels: Int, step: Int) -> Int {
        min(channels, (kept + step - 1) / step * step)
    }

    /// Channels a ratio removes from a group: ⌊ratio·channels⌋, leaving at least `minimum`.
    static func removedCount(ratio: Double, channels: Int, minimum: Int) -> Int {
        max(min(Int((ratio * Double(channels)).rounded(.down)), channels - minimum), 0)
    }
}
