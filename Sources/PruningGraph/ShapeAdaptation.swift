import PruneNN
import PruneTensor

/// Reshapes a freshly built model to the layer shapes of a structurally pruned checkpoint, so the
/// checkpoint then loads strictly: a structurally pruned model saves as a smaller dense model and
/// loads back as one.
public enum ShapeAdaptation {
    /// `shapes` maps parameter and buffer paths to the shapes stored in the file. Only Linear,
    /// Conv2d and BatchNorm layers change; a shape that cannot come from channel pruning is an error.
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
            func key(_ name: String) -> String { path.isEmpty ? name : path + "." + name }
            func resize(_ p: Parameter, _ name: String) throws {
                guard let s = shapes[key(name)], s != p.value.shape else { return }
                guard s.count == p.value.shape.count else {
                    throw StructuredPruningError.invalid("\(key(name)): the file's shape \(s) has a different rank than the model's \(p.value.shape)")
                }
                p.mask = nil
                p.value = Tensor.zeros(s)
            }
            if let l = module as? Linear {
                try resize(l.weight, "weight"); if let b = l.bias { try resize(b, "bias") }
            } else if let c = module as? Conv2d {
                let depthwise = c.geometry.groups > 1 && c.geometry.groups == c.outChannels
                try resize(c.weight, "weight"); if let b = c.bias { try resize(b, "bias") }
                if depthwise { c.geometry.groups = c.weight.value.shape[0] }
            } else if let bn = module as? BatchNorm {
                try resize(bn.weight, "weight"); try resize(bn.bias, "bias")
                if let s = shapes[key("running_mean")] { bn.runningMean.value = Tensor.zeros(s) }
                if let s = shapes[key("running_var")] { bn.runningVar.value = Tensor.ones(s) }
            }
        }
    }
}
