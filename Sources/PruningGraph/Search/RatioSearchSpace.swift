import PruneTensor

/// The per-group removal ratios a search may choose for a traced model: each group's ratio is one of
/// 0, `step`, 2·`step`, … up to `maxRatio`, and a candidate is feasible when its cost — multiply-accumulates
/// as ``StructuredPruner`` counts them, or another ``SearchCost`` such as a ``LatencyTable``'s prediction —
/// is between `keep − tolerance` and `keep` of the dense model's (no candidate is pruned to be measured).
public struct RatioSearchSpace {
    public let graph: DependencyGraph
    public let minimumKept: Double
    public let step: Double
    public let maxRatio: Double
    public let keep: Double
    public let tolerance: Double
    public let cost: any SearchCost
    /// Kept counts are rounded up to a multiple of this, as the pruner rounds them (``StructuredPruner/roundTo``).
    public let roundTo: Int
    let dense: Double
    let denseCost: Double

    public init(graph: DependencyGraph, minimumKept: Double, keep: Double, step: Double = 0.05,
                maxRatio: Double = 0.9, tolerance: Double = 0.02, cost: any SearchCost = MACsCost(),
                roundTo: Int = 1) throws {
        guard keep > 0, keep <= 1, step > 0, maxRatio > 0, maxRatio < 1, tolerance > 0 else {
            throw StructuredPruningError.invalid("a ratio search needs 0 < keep ≤ 1, a positive step and tolerance, "
                                                 + "and 0 < max ratio < 1")
        }
        self.graph = graph; self.minimumKept = minimumKept; self.step = step; self.maxRatio = maxRatio
        self.keep = keep; self.tolerance = tolerance; self.cost = cost; self.roundTo = max(roundTo, 1)
        let unpruned = Self.widths(graph, minimumKept, graph.groups.map { _ in 0 }, roundTo: 1)
        dense = Double(StructuredPruner.cost(graph, unpruned).macs)
        denseCost = cost.cost(graph, widths: unpruned)
    }

    /// Groups (genes of a candidate).
    public var groups: Int { graph.groups.count }

    /// The ratio grid.
    public var values: [Double] { (0...Int((maxRatio / step).rounded(.down))).map { Double($0) * step } }

    /// The fraction of the dense MACs a candidate keeps.
    public func macsFraction(_ ratios: [Double]) -> Double {
        Double(StructuredPruner.cost(graph, widths(ratios)).macs) / max(dense, 1)
    }

    /// The fraction of the dense cost a candidate keeps (the budgeted quantity).
    public func costFraction(_ ratios: [Double]) -> Double {
        cost.cost(graph, widths: widths(ratios)) / max(denseCost, .leastNonzeroMagnitude)
    }

    public func isFeasible(_ ratios: [Double]) -> Bool {
        let f = costFraction(ratios)
        return f <= keep + 1e-12 && f >= keep - tolerance
    }

    /// A uniformly random grid point that is feasible, by rejection.
    public func randomFeasible(using rng: inout RandomGenerator, attempts: Int = 100_000) throws -> [Double] {
        let grid = values
        for _ in 0..<attempts {
            let r = (0..<groups).map { _ in grid[rng.nextInt(below: grid.count)] }
            if isFeasible(r) { return r }
        }
        let message = String(format: "no per-group ratios up to %.2f keep between %.1f%% and %.1f%% of the %@ "
                             + "(%d random tries): widen the tolerance or the largest ratio", maxRatio,
                             (keep - tolerance) * 100, keep * 100, cost.name, attempts)
        throw StructuredPruningError.invalid(message)
    }

    /// The channels each group keeps at `ratios`, as the pruner keeps them.
    public func widths(_ ratios: [Double]) -> [ObjectIdentifier: Int] {
        Self.widths(graph, minimumKept, ratios, roundTo: roundTo)
    }

    static func widths(_ graph: DependencyGraph, _ minimumKept: Double, _ ratios: [Double],
                       roundTo: Int) -> [ObjectIdentifier: Int] {
        var widths: [ObjectIdentifier: Int] = [:]
        for (g, r) in zip(graph.groups, ratios) {
            let minimum = StructuredSelection.minimumKept(fraction: minimumKept, channels: g.channels)
            let kept = g.channels - StructuredSelection.removedCount(ratio: r, channels: g.channels, minimum: minimum)
            widths[ObjectIdentifier(g)] = StructuredSelection.roundedKept(kept, channels: g.channels, step: roundTo)
        }
        return widths
    }
}
