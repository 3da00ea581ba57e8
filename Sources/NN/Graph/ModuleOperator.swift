import PruneAutodiff

/// Runs a layer held in a ``ModuleDictionary`` (looked up on each call, so a layer replaced by path,
/// for example by a sparse one, is the one that runs).
public struct ModuleOperator: GraphOperator {
    public let container: ModuleDictionary
    public let name: String

    public init(container: ModuleDictionary, name: String) { self.container = container; self.name = name }

    public var module: (any Module)? { container[name] }
    public var channelFlow: ChannelFlow { .module }
    public var isPerChannelOperation: Bool { container[name] is any PerChannelOperation }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        guard let m = container[name] else { throw GraphError.invalidValue("layer '\(name)' is missing") }
        return [.float(try m.forward(try input(inputs, 0, "X").variable("X")))]
    }
}
