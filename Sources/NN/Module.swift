import PruneTensor
import PruneAutodiff

/// A layer or a model: a forward function with named parameters, buffers and child modules.
///
/// Every module lists its own parameters and children explicitly (no reflection); the extensions
/// below derive dotted paths (`features.0.weight`), train/eval switching, and traversal to visit,
/// replace or mask any parameter or submodule by its path.
public protocol Module: AnyObject {
    /// This module's own parameters, by local name.
    var ownParameters: [(name: String, parameter: Parameter)] { get }
    /// This module's own buffers, by local name.
    var ownBuffers: [(name: String, buffer: Buffer)] { get }
    /// Direct children, by local name.
    var children: [(name: String, module: any Module)] { get }
    /// True in training mode (dropout active, batch statistics in BatchNorm).
    var isTraining: Bool { get set }
    /// The forward pass.
    func forward(_ x: Variable) throws -> Variable
    /// Replaces the direct child `name`; containers implement it, leaves throw.
    func replaceChild(named name: String, with module: any Module) throws
    /// A short description of the layer (type and sizes).
    var summary: String { get }
}

/// Errors raised when addressing modules and parameters by path.
public enum ModuleError: Error, CustomStringConvertible {
    case noSuchPath(String)
    case notAContainer(String)
    case invalidChild(container: String, child: String, reason: String)

    public var description: String {
        switch self {
        case .noSuchPath(let p): return "no module or parameter at path '\(p)'"
        case .notAContainer(let p): return "module at '\(p)' has no replaceable children"
        case let .invalidChild(c, child, reason): return "cannot put a module at '\(c).\(child)': \(reason)"
        }
    }
}

// MARK: - Defaults

extension Module {
    public var ownParameters: [(name: String, parameter: Parameter)] { [] }
    public var ownBuffers: [(name: String, buffer: Buffer)] { [] }
    public var children: [(name: String, module: any Module)] { [] }
    public func replaceChild(named name: String, with module: any Module) throws {
        throw ModuleError.notAContainer(String(describing: type(of: self)))
    }
    public var summary: String { String(describing: type(of: self)) }

    /// Calls ``forward(_:)``.
    public func callAsFunction(_ x: Variable) throws -> Variable { try forward(x) }
}

// MARK: - Traversal

extension Module {
    /// Every module in the tree with its dotted path ("" for the root), parents before children.
    public func namedModules(prefix: String = "") -> [(path: String, module: any Module)] {
        var out: [(String, any Module)] = [(prefix, self)]
        for (name, child) in children {
            out.append(contentsOf: child.namedModules(prefix: prefix.isEmpty ? name : prefix + "." + name))
        }
        return out
    }

    /// Every parameter with its dotted path, in definition order.
    public func parameters() -> [(path: String, parameter: Parameter)] {
        namedModules().flatMap { (path, m) in
            m.ownParameters.map { (path.isEmpty ? $0.name : path + "." + $0.name, $0.parameter) }
        }
    }

    /// Every buffer with its dotted path.
    public func buffers() -> [(path: String, buffer: Buffer)] {
        namedModules().flatMap { (path, m) in
            m.ownBuffers.map { (path.isEmpty ? $0.name : path + "." + $0.name, $0.buffer) }
        }
    }

    /// The module at a dotted path.
    public func module(at path: String) throws -> any Module {
        guard let m = namedModules().first(where: { $0.path == path }) else { throw ModuleError.noSuchPath(path) }
        return m.module
    }

    /// The parameter at a dotted path.
    public func parameter(at path: String) throws -> Parameter {
        guard let p = parameters().first(where: { $0.path == path }) else { throw ModuleError.noSuchPath(path) }
        return p.parameter
    }

    /// Replaces the submodule at a dotted path (for example a Linear by a sparse Linear).
    public func replaceModule(at path: String, with module: any Module) throws {
        let parts = path.split(separator: ".").map(String.init)
        guard let last = parts.last else { throw ModuleError.noSuchPath(path) }
        let parent = try self.module(at: parts.dropLast().joined(separator: "."))
        guard parent.children.contains(where: { $0.name == last }) else { throw ModuleError.noSuchPath(path) }
        try parent.replaceChild(named: last, with: module)
    }

    /// Sets a pruning mask on the parameter at a dotted path.
    public func setMask(_ mask: Tensor, at path: String) throws {
        let p = try parameter(at: path)
        guard mask.shape == p.shape else {
            throw TensorError.shapeMismatch(op: "setMask(\(path))", shapes: [mask.shape, p.shape],
                                            reason: "mask must have the parameter's shape")
        }
        p.mask = mask
    }

    /// Switches this module and all descendants to training mode.
    public func train() { for (_, m) in namedModules() { m.isTraining = true } }
    /// Switches this module and all descendants to evaluation mode.
    public func eval() { for (_, m) in namedModules() { m.isTraining = false } }

    /// Clears every parameter's gradient.
    public func zeroGrad() { for (_, p) in parameters() { p.zeroGrad() } }

    /// The number of scalars in all parameters.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.parameter.value.count } }
}
