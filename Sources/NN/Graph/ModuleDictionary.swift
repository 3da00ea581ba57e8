import PruneAutodiff

/// A container of named child modules with no forward pass of its own: the scopes that dotted
/// parameter names describe (`layers.0.q` lives in `layers` → `0` → `q`), so an imported graph's
/// parameters keep the names its exporter gave them.
public final class ModuleDictionary: Module {
    public private(set) var entries: [(name: String, module: any Module)] = []
    public var isTraining = true

    public init() {}

    public var children: [(name: String, module: any Module)] { entries }

    public func forward(_ x: Variable) throws -> Variable {
        throw GraphError.invalidValue("a ModuleDictionary has no forward pass; run the graph that owns it")
    }

    /// The child `name`.
    public subscript(name: String) -> (any Module)? { entries.first { $0.name == name }?.module }

    /// Adds (or replaces) a child.
    public func set(_ name: String, _ module: any Module) {
        if let i = entries.firstIndex(where: { $0.name == name }) { entries[i].module = module } else { entries.append((name, module)) }
    }

    /// Puts `module` at a dotted path below this container, creating intermediate containers.
    /// Returns the container that holds it and its local name.
    @discardableResult
    public func insert(_ module: any Module, at path: String) throws -> (container: ModuleDictionary, name: String) {
        let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard !parts.isEmpty, parts.allSatisfy({ !$0.isEmpty }) else { throw ModuleError.noSuchPath(path) }
        var scope = self
        for p in parts.dropLast() {
            if let existing = scope[p] {
                guard let d = existing as? ModuleDictionary else {
                    throw ModuleError.invalidChild(container: path, child: p, reason: "a layer already has this name")
                }
                scope = d
            } else {
                let d = ModuleDictionary()
                scope.set(p, d)
                scope = d
            }
        }
        guard scope[parts.last!] == nil else { throw ModuleError.invalidChild(container: path, child: parts.last!,
                                                                              reason: "the name is taken") }
        scope.set(parts.last!, module)
        return (scope, parts.last!)
    }

    public func replaceChild(named name: String, with module: any Module) throws {
        guard self[name] != nil else { throw ModuleError.noSuchPath(name) }
        set(name, module)
    }

    public var summary: String { "ModuleDictionary(\(entries.map(\.name).joined(separator: ", ")))" }
}
