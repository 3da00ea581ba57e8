import PruneTensor

/// AMC's environment on a ``RatioSearchSpace`` (He et al., "AMC: AutoML for Model Compression and
/// Acceleration on Mobile Devices", ECCV 2018, §3): an episode visits the dependency groups in order and
/// chooses each group's removal ratio. The state of step t embeds the group and the budget as the paper's
/// layer embedding does — t, the group's width, the cost (MACs, or predicted latency) it controls, the cost
/// removed so far, the cost the later groups can still remove, and the previous action (a group has no
/// single kernel size, stride or feature-map size, so those layer features are replaced by the cost it
/// controls). Static features are min-max normalized over the groups, the others are fractions of the dense
/// cost. The action is clamped
/// from below as the paper's resource constraint does: to the smallest ratio for which the budget is still
/// met when every later group is pruned to the largest ratio, so every episode ends within the budget.
struct AMCEnvironment {
    let space: RatioSearchSpace
    /// Per group: the fraction of the dense cost pruning it alone to the largest ratio removes.
    let controlledMacs: [Double]
    private let widthFeature: [Double]
    private let macsFeature: [Double]

    static let stateSize = 6

    init(space: RatioSearchSpace) throws {
        self.space = space
        let groups = space.groups
        controlledMacs = (0..<groups).map { g in
            var ratios = [Double](repeating: 0, count: groups)
            ratios[g] = space.maxRatio
            return 1 - space.costFraction(ratios)
        }
        widthFeature = Self.minMax(space.graph.groups.map { Double($0.channels) })
        macsFeature = Self.minMax(controlledMacs)
        let sparsest = space.costFraction([Double](repeating: space.maxRatio, count: groups))
        guard sparsest <= space.keep + 1e-12 else {
            let message = "every group pruned to %.2f still keeps %.1f%% of the %@, above the %.1f%% asked for"
            throw StructuredPruningError.invalid(String(format: message, space.maxRatio, sparsest * 100,
                                                        space.cost.name, space.keep * 100))
        }
    }

    var steps: Int { space.groups }

    /// The state before choosing group `step`'s ratio, after `chosen` (the ratios of groups 0..<step).
    func state(step: Int, chosen: [Double]) -> [Float] {
        let groups = space.groups
        let reduced = 1 - space.costFraction(chosen + [Double](repeating: 0, count: groups - chosen.count))
        let rest = controlledMacs[(step + 1)...].reduce(0, +)
        let previous = chosen.last.map { $0 / space.maxRatio } ?? 0
        let position = groups > 1 ? Double(step) / Double(groups - 1) : 0
        return [position, widthFeature[step], macsFeature[step], reduced, rest, previous].map { Float($0) }
    }

    /// The smallest ratio of group `step` (to 1e-6) that keeps the budget reachable: the groups before it at
    /// `chosen`, the later ones at the largest ratio. Removed channels are whole, so the cost falls in steps.
    func minimumRatio(step: Int, chosen: [Double]) -> Double {
        let later = [Double](repeating: space.maxRatio, count: space.groups - step - 1)
        func fits(_ r: Double) -> Bool { space.costFraction(chosen + [r] + later) <= space.keep + 1e-12 }
        if fits(0) { return 0 }
        var low = 0.0, high = space.maxRatio
        while high - low > 1e-6 {
            let mid = (low + high) / 2
            if fits(mid) { high = mid } else { low = mid }
        }
        return high
    }

    static func minMax(_ values: [Double]) -> [Double] {
        guard let lo = values.min(), let hi = values.max(), hi > lo else { return values.map { _ in 0 } }
        return values.map { ($0 - lo) / (hi - lo) }
    }
}
