import PruneTensor
import PruneAutodiff

/// Modules applied one after another. Children are named by position (`0`, `1`, …) unless given names.
public final class Sequential: Module {
    public private(set) var layers: [(name: String, module: any Module)]
    public var isTraining = true

    public init(_ modules: [any Module]) {
        layers = modules.enumerated().map { (String($0.offset), $0.element) }
    }

    public init(named modules: [(String, any Module)]) {
        layers = modules.map { ($0.0, $0.1) }
    }

    public var children: [(name: String, module: any Module)] { layers }

    public func forward(_ x: Variable) throws -> Variable {
        var h = x
        for (_, m) in layers { h = try m.forward(h) }
        return h
    }

    public func replaceChild(named name: String, with module: any Module) throws {
        guard let i = layers.firstIndex(where: { $0.name == name }) else { throw ModuleError.noSuchPath(name) }
        layers[i].module = module
    }

    public var summary: String { "Sequential(\(layers.count) layers)" }
}

/// A residual block: `activation(body(x) + shortcut(x))`, the shortcut being the identity when nil.
/// He et al., "Deep Residual Learning for Image Recognition", CVPR 2016.
public final class Residual: Module {
    public private(set) var body: any Module
    public private(set) var shortcut: (any Module)?
    public private(set) var activation: (any Module)?
    public var isTraining = true

    public init(body: any Module, shortcut: (any Module)? = nil, activation: (any Module)? = ReLU()) {
        self.body = body
        self.shortcut = shortcut
        self.activation = activation
    }

    public var children: [(name: String, module: any Module)] {
        var c: [(name: String, module: any Module)] = [("body", body)]
        if let shortcut { c.append(("shortcut", shortcut)) }
        if let activation { c.append(("activation", activation)) }
        return c
    }

    public func forward(_ x: Variable) throws -> Variable {
        let sum = try body.forward(x) + (shortcut?.forward(x) ?? x)
        return try activation?.forward(sum) ?? sum
    }

    public func replaceChild(named name: String, with module: any Module) throws {
        switch name {
        case "body": body = module
        case "shortcut": shortcut = module
        case "activation": activation = module
        default: throw ModuleError.noSuchPath(name)
        }
    }

    public var summary: String { "Residual" }
}
