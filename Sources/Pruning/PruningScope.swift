import PruneNN

/// Which weights are pruned and how a sparsity target is spread over them.
public struct PruningScope: Sendable {
    /// How the target is distributed over the layers in scope.
    public enum Distribution: Sendable, Equatable {
        /// Every layer pruned to the same sparsity.
        case layerwise
        /// Given sparsities per layer (by weight path); layers not listed use the overall target.
        case perLayer([String: Double])
        /// One threshold over all weights in scope (layers end up with different sparsities).
        case global
        /// Global, but every layer keeps at least this fraction of its groups, and never none.
        case globalProtected(minimumKept: Double)
        /// Per-layer sparsities from a ``DensityAllocation`` (ERK, ER, uniform) at the current target.
        case allocated(AllocationRule)
    }

    /// The per-layer sparsities of a per-layer or allocated distribution at `sparsity` (by weight path);
    /// nil for the others. Data-dependent allocations (OWL) read `statistics`.
    public func layerSparsities(_ targets: [PruningTarget], sparsity: Double,
                                statistics: CalibrationStatistics = .none) throws -> [String: Double]? {
        switch distribution {
        case .perLayer(let ratios): return ratios
        case .allocated(let rule):
            let densities = try rule.allocation.densities(targets, density: 1 - sparsity, statistics: statistics)
            return Dictionary(uniqueKeysWithValues: zip(targets, densities).map { ($0.path, 1 - $1) })
        case .layerwise, .global, .globalProtected: return nil
        }
    }

    public var distribution: Distribution

    /// What the distribution needs measured on calibration data (a data-dependent allocation's needs).
    public var needs: [any CalibrationNeed] {
        if case .allocated(let rule) = distribution, let allocation = try? rule.allocation { return allocation.needs }
        return []
    }
    /// Only weights whose path matches one of these patterns (`*` is any run of characters); empty: all.
    public var include: [String]
    /// Weights whose path matches one of these patterns are left dense.
    public var exclude: [String]
    /// Leave the first and the last prunable layer dense (common in the CNN literature).
    public var keepFirstAndLastDense: Bool

    public init(distribution: Distribution = .global, include: [String] = [], exclude: [String] = [],
                keepFirstAndLastDense: Bool = false) {
        self.distribution = distribution; self.include = include; self.exclude = exclude
        self.keepFirstAndLastDense = keepFirstAndLastDense
    }

    /// The weights in scope. A pattern that matches no prunable weight is an error naming it.
    public func targets(in model: any Module) throws -> [PruningTarget] {
        var all = PruningTarget.all(in: model)
        guard !all.isEmpty else { throw PruningError.invalidOption("the model has no Linear or Conv2d weights to prune") }
        for p in include + exclude where !all.contains(where: { NamePattern.matches(p,
                                                                                    $0.path) || NamePattern.matches(p,
                $0.layerPath) }) {
            throw PruningError.invalidOption("the layer pattern \"\(p)\" matches no prunable weight (have: \(all.map(\.path).joined(separator: ", ")))")
        }
        if keepFirstAndLastDense, all.count > 2 { all = Array(all.dropFirst().dropLast()) }
        else if keepFirstAndLastDense { all = [] }
        let matches = { (t: PruningTarget, ps: [String]) in ps.contains { NamePattern.matches($0,
                t.path) || NamePattern.matches($0, t.layerPath) } }
        let chosen = all.filter { (include.isEmpty || matches($0, include)) && !matches($0, exclude) }
        guard !chosen.isEmpty else { throw PruningError.invalidOption("no prunable weight is left in scope after include/exclude/keep-first-and-last") }
        if case .perLayer(let ratios) = distribution {
            for key in ratios.keys where !chosen.contains(where: { $0.path == key || $0.layerPath == key }) {
                throw PruningError.invalidOption("per-layer sparsity given for \(key), which is not a prunable weight in scope")
            }
        }
        return chosen
    }
}

/// Shell-style name patterns: `*` matches any run of characters, everything else itself.
public enum NamePattern {
    public static func matches(_ pattern: String, _ name: String) -> Bool {
        let p = Array(pattern), n = Array(name)
        var pi = 0, ni = 0, star = -1, mark = 0
        while ni < n.count {
            if pi < p.count && p[pi] != "*" && p[pi] == n[ni] { pi += 1; ni += 1 }
            else if pi < p.count && p[pi] == "*" { star = pi; mark = ni; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; ni = mark }
            else { return false }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}
