import PruneNN
import PruneTensor

/// Reshapes a freshly built model to the layer shapes of a structurally pruned checkpoint, so the
/// checkpoint then loads strictly: a structurally pruned model saves as a smaller dense model and
/// loads back as one.
public enum ShapeAdaptation {
    /// `shapes` maps parameter and buffer paths to the shapes stored in the file. A shape that cannot
    /// come from channel pruning is an error.
    public static func adapt(_ model: any Module, to shapes: [String: [Int]]) throws {
        // Residual blocks removed by ResidualBlockRemoval have no tensors in the file.
        for (path, module) in model.namedModules() {
            guard let r = module as? Residual, !path.isEmpty else { continue }
            let keys = r.parameters().map { path + "." + $0.path }
            if !keys.isEmpty && keys.allSatisfy({ shapes[$0] == nil }) {
                try model.replaceModule(at: path, with: Sequential(r.activation.map { [$0] } ?? []))
            }
        }
        for (path, module) in model.namedModules() {
            guard let layer = module as? any ChannelPrunable else { continue }
            try layer.adaptShapes { name in shapes[path.isEmpty ? name : path + "." + name] }
        }
    }

    /// Gives every own parameter and buffer of `module` the shape `stored` names for it (zeros; the
    /// checkpoint's values load afterwards). Only channel pruning's shape changes are allowed: the rank stays.
    public static func resizeOwnTensors(of module: any Module, _ stored: (String) -> [Int]?) throws {
        for (name, p) in module.ownParameters {
            guard let s = stored(name), s != p.value.shape else { continue }
            guard s.count == p.value.shape.count else {
                throw StructuredPruningError.invalid("\(name): the file's shape \(s) has a different rank than the model's \(p.value.shape)")
            }
            p.mask = nil
            p.value = Tensor.zeros(s)
        }
        for (name, b) in module.ownBuffers {
            guard let s = stored(name), s != b.value.shape else { continue }
            b.value = Tensor.zeros(s)
        }
    }
}
