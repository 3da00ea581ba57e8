import PrunePruning

/// What a ratio search budgets: a cost of the model at given group widths (MACs, or a latency predicted
/// by a ``LatencyTable``). A search keeps a fraction of the dense model's cost. A new budget is one new
/// conforming type.
public protocol SearchCost {
    /// Short name for messages ("MACs", "latency").
    var name: String { get }
    /// The cost at the group widths (channels kept per group, by group identity).
    func cost(_ graph: DependencyGraph, widths: [ObjectIdentifier: Int]) -> Double
}

/// Multiply-accumulates per example, as ``StructuredPruner`` counts them.
public struct MACsCost: SearchCost {
    public init() {}
    public var name: String { "MACs" }
    public func cost(_ graph: DependencyGraph, widths: [ObjectIdentifier: Int]) -> Double {
        Double(StructuredPruner.cost(graph, widths).macs)
    }
}

/// Estimated energy per inference at the group widths, by ``EnergyModel`` (Yang, Chen & Sze, CVPR 2017,
/// energy-aware pruning, with Eyeriss's per-access costs): every layer's MACs, weights and input and
/// output activations at those widths, all counted as non-zero (channel removal leaves dense layers).
/// An estimate, like the report's; it makes a search budget energy instead of MACs
/// (`--structured-target energy`).
public struct EnergyCost: SearchCost {
    public var model: EnergyModel
    public init(model: EnergyModel = .eyeriss) { self.model = model }
    public var name: String { "energy" }
    public func cost(_ graph: DependencyGraph, widths: [ObjectIdentifier: Int]) -> Double {
        var e = EnergyEstimate()
        for (l, inW, outW) in StructuredPruner.layerWidths(graph, widths) where !l.normalization {
            let weights = l.depthwise ? outW * l.kernelArea : outW * inW * l.expansion * l.kernelArea
            let inputs = inW * l.expansion * max(l.inputPositions, 1)
            e.add(model, macs: Double(weights * l.positions), weights: Double(weights),
                  activations: Double(inputs + outW * l.positions))
        }
        return e.total
    }
}
