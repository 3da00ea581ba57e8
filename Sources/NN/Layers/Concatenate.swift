import PruneAutodiff
import PruneTensor

/// Parallel branches on the same input whose outputs are concatenated along the channel axis
/// (axis 1), as in Inception blocks (Szegedy et al., "Going Deeper with Convolutions", CVPR 2015).
public final class Concatenate: Module {
    public private(set) var branches: [(name: String, module: any Module)]
    public var isTraining = true

    public init(_ modules: [any Module]) {
        branches = modules.enumerated().map { (String($0.offset), $0.element) }
    }

    public var children: [(name: String, module: any Module)] { branches }

    public func forward(_ x: Variable) throws -> Variable {
        try Variable.concat(branches.map { try $0.module.forward(x) }, axis: 1)
    }

    public func replaceChild(named name: String, with module: any Module) throws {
        guard let i = branches.firstIndex(where: { $0.name == name }) else { throw ModuleError.noSuchPath(name) }
        branches[i].module = module
    }

    public var summary: String { "Concatenate(\(branches.count) branches)" }
}
