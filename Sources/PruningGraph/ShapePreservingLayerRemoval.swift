import PruneNN
import PrunePruning

/// Removes whole plain layers whose output has the shape of their input — a Conv2d with as many outputs as
/// inputs, stride 1 and "same" padding, or a square Linear — from a ``Sequential``, together with the
/// BatchNorm right after it; what follows then reads the layer's input (the layer becomes the identity).
/// The layer-removal action of hybrid layer-vs-filter pruning for networks without identity shortcuts
/// (VGG-style stacks), as in layer pruning by feature representations (Chen & Zhao, "Shallowing Deep
/// Networks: Layer-Wise Pruning Based on Feature Representations", TPAMI 2019). The model's last layer is
/// never offered: it produces the output.
public enum ShapePreservingLayerRemoval {
    /// The paths of every removable layer of `model`, in forward order.
    public static func candidates(_ model: any Module) -> [String] {
        let last = PruningTarget.all(in: model).last?.layerPath
        var found: [String] = []
        func visit(_ m: any Module, _ path: String) {
            for (name, child) in m.children {
                let p = path.isEmpty ? name : path + "." + name
                if m is Sequential, preservesShape(child), p != last { found.append(p) }
                visit(child, p)
            }
        }
        visit(model, "")
        return found
    }

    /// True for a Conv2d or Linear whose output has its input's shape.
    static func preservesShape(_ module: any Module) -> Bool {
        if let linear = module as? Linear { return linear.weight.shape[0] == linear.weight.shape[1] }
        guard let conv = module as? Conv2d, conv.inChannels == conv.outChannels else { return false }
        let g = conv.geometry
        return g.stride.h == 1 && g.stride.w == 1 && g.dilation.h * (g.kernel.h - 1) == 2 * g.padding.h
            && g.dilation.w * (g.kernel.w - 1) == 2 * g.padding.w
    }

    /// Replaces the layer at `path` (and a BatchNorm right after it in the same Sequential) by the identity;
    /// false when no removable layer is there.
    @discardableResult
    public static func removeLayer(at path: String, from model: any Module) throws -> Bool {
        let parts = path.split(separator: ".").map(String.init)
        guard let name = parts.last, let parent = try? model.module(at: parts.dropLast().joined(separator: ".")),
              let sequential = parent as? Sequential,
              let i = sequential.layers.firstIndex(where: { $0.name == name }),
              preservesShape(sequential.layers[i].module) else { return false }
        try sequential.replaceChild(named: name, with: Sequential([]))
        if i + 1 < sequential.layers.count, sequential.layers[i + 1].module is BatchNorm {
            try sequential.replaceChild(named: sequential.layers[i + 1].name, with: Sequential([]))
        }
        return true
    }
}
