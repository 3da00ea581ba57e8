import PruneAutodiff

/// Runs a layer held in a ``ModuleDictionary`` (looked up on each call, so a layer replaced by path,
/// for example by a sparse one, is the one that runs).
public struct ModuleOperator: GraphOperator {
    public let container: ModuleDictionary
    public let name: String
    /// Padding applied before the layer (a convolution's asymmetric or SAME padding).
    public var padding: SpatialPadding?
    /// A 1-D layer run as 2-D: `[N, C, L]` goes in as `[N, C, 1, L]` and comes out 3-D again.
    public var oneDimensional = false

    public init(container: ModuleDictionary, name: String, padding: SpatialPadding? = nil) {
        self.container = container; self.name = name; self.padding = padding
    }

    public var module: (any Module)? { container[name] }
    public var channelFlow: ChannelFlow { .module }
    public var isPerChannelOperation: Bool { container[name] is any PerChannelOperation }
    /// What the layer says (``ExampleWiseLayer``) for its input's rank.
    public func keepsExamplesApart(_ inputs: [GraphValue?], batched: [Bool]) -> Bool {
        guard batched.first == true else { return !batched.contains(true) }
        return keepsExamplesApart(inputRank: inputs.first??.shape.count ?? 0)
    }

    /// Whether the layer keeps examples apart for an input of rank `rank` (a 1-D layer runs as 2-D).
    public func keepsExamplesApart(inputRank rank: Int) -> Bool {
        (container[name] as? any ExampleWiseLayer)?.keepsExamplesApart(inputRank: rank + (oneDimensional ? 1 : 0))
            ?? false
    }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        guard let m = container[name] else { throw GraphError.invalidValue("layer '\(name)' is missing") }
        var x = try input(inputs, 0, "X").variable("X")
        if oneDimensional { x = try x.unsqueezed(2) }
        if let padding { x = try padding.apply(x, fill: 0) }
        let y = try m.forward(x)
        return [.float(oneDimensional ? try y.squeezed([2]) : y)]
    }
}
