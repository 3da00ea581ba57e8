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
