import PruneTensor

/// The per-group removal ratios a search may choose for a traced model: each group's ratio is one of
/// 0, `step`, 2·`step`, … up to `maxRatio`, and a candidate is feasible when its multiply-accumulates
/// are between `keep − tolerance` and `keep` of the dense model's (MACs counted as ``StructuredPruner``
/// counts them, so no candidate is pruned to be measured).
public struct RatioSearchSpace {
    public let graph: DependencyGraph
    public let minimumKept: Double
    public let step: Double
    public let maxRatio: Double
    public let keep: Double
    public let tolerance: Double
    let dense: Double

    public init(graph: DependencyGraph, minimumKept: Double, keep: Double, step: Double = 0.05,
                maxRatio: Double = 0.9, tolerance: Double = 0.02) throws {
        guard keep > 0, keep <= 1, step > 0, maxRatio > 0, maxRatio < 1, tolerance > 0 else {
            throw StructuredPruningError.invalid("a ratio search needs 0 < keep ≤ 1, a positive step and tolerance, "
                                                 + "and 0 < max ratio < 1")
        }
        self.graph = graph; self.minimumKept = minimumKept; self.step = step; self.maxRatio = maxRatio
        self.keep = keep; self.tolerance = tolerance
        dense = Double(StructuredPruner.cost(graph, Self.widths(graph, minimumKept, graph.groups.map { _ in 0 })).macs)
    }

    /// Groups (genes of a candidate).
    public var groups: Int { graph.groups.count }

    /// The ratio grid.
    public var values: [Double] { (0...Int((maxRatio / step).rounded(.down))).map { Double($0) * step } }

    /// The fraction of the dense MACs a candidate keeps.
    public func macsFraction(_ ratios: [Double]) -> Double {
        Double(StructuredPruner.cost(graph, Self.widths(graph, minimumKept, ratios)).macs) / max(dense, 1)
    }

    public func isFeasible(_ ratios: [Double]) -> Bool {
        let f = macsFraction(ratios)
        return f <= keep + 1e-12 && f >= keep - tolerance
    }

    /// A uniformly random grid point that is feasible, by rejection.
    public func randomFeasible(using rng: inout RandomGenerator, attempts: Int = 100_000) throws -> [Double] {
        let grid = values
        for _ in 0..<attempts {
            let r = (0..<groups).map { _ in grid[rng.nextInt(below: grid.count)] }
            if isFeasible(r) { return r }
        }
        let message = String(format: "no per-group ratios up to %.2f keep between %.1f%% and %.1f%% of the MACs "
                             + "(%d random tries): widen the tolerance or the largest ratio", maxRatio,
                             (keep - tolerance) * 100, keep * 100, attempts)
        throw StructuredPruningError.invalid(message)
    }

    static func widths(_ graph: DependencyGraph, _ minimumKept: Double, _ ratios: [Double]) -> [ObjectIdentifier: Int] {
        var widths: [ObjectIdentifier: Int] = [:]
        for (g, r) in zip(graph.groups, ratios) {
            let minimum = StructuredSelection.minimumKept(fraction: minimumKept, channels: g.channels)
            widths[ObjectIdentifier(g)] = g.channels - StructuredSelection.removedCount(ratio: r, channels: g.channels,
                                                                                          minimum: minimum)
        }
        return widths
    }
}
