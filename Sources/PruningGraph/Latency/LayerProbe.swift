import PruneNN
import PruneTensor

/// A standalone copy of one traced Conv2d or Linear layer at given channel counts, with the input shape
/// (batch 1) it sees in the model, to be timed by a ``LatencyMeasurer``. Weights are zeros: dense
/// kernels take the same time whatever the values.
public struct LayerProbe {
    public let module: any Module
    public let inputShape: [Int]

    public init(module: any Module, inputShape: [Int]) {
        self.module = module; self.inputShape = inputShape
    }

    /// The probe of `layer` (a traced layer of `model`) with `inputs` → `outputs` channels and `batch`
    /// examples, or nil when the layer is not a Conv2d or Linear (its time is part of the table's remainder).
    public static func of(_ layer: DependencyGraph.TracedLayer, in model: any Module, inputs: Int,
                          outputs: Int, batch: Int = 1) -> LayerProbe? {
        guard !layer.normalization, inputs > 0, outputs > 0,
              let module = try? model.module(at: layer.path) else { return nil }
        let inputs = inputs * layer.expansion   // a Linear after a flatten reads expansion values per channel
        if let conv = module as? Conv2d {
            return convolution(conv, layer: layer, inputs: inputs, outputs: outputs, batch: batch)
        }
        if let linear = module as? Linear {
            let rows = max(layer.positions, 1)
            let copy = Linear(weight: .zeros([outputs, inputs]), bias: linear.bias == nil ? nil : .zeros([outputs]))
            return LayerProbe(module: copy, inputShape: rows == 1 ? [batch, inputs] : [batch, rows, inputs])
        }
        return nil
    }

    /// A convolution with the layer's geometry; the input's height and width are the smallest that give the
    /// traced output positions (a square output when the count is a square, else one row).
    static func convolution(_ conv: Conv2d, layer: DependencyGraph.TracedLayer, inputs: Int, outputs: Int,
                            batch: Int) -> LayerProbe {
        var g = conv.geometry
        var inputs = inputs
        if layer.depthwise { inputs = outputs; g.groups = outputs }
        else if g.groups > 1, inputs % g.groups != 0 || outputs % g.groups != 0 { g.groups = 1 }
        let root = Int(Double(layer.positions).squareRoot().rounded())
        let (oh, ow) = root * root == layer.positions ? (root, root) : (1, max(layer.positions, 1))
        func side(_ out: Int, _ k: Int, _ s: Int, _ p: Int, _ d: Int) -> Int {
            max((out - 1) * s - 2 * p + d * (k - 1) + 1, 1)
        }
        let h = side(oh, g.kernel.h, g.stride.h, g.padding.h, g.dilation.h)
        let w = side(ow, g.kernel.w, g.stride.w, g.padding.w, g.dilation.w)
        let weight = Tensor.zeros([outputs, inputs / g.groups, g.kernel.h, g.kernel.w])
        let copy = Conv2d(weight: weight, bias: conv.bias == nil ? nil : .zeros([outputs]), geometry: g)
        return LayerProbe(module: copy, inputShape: [batch, inputs, h, w])
    }
}
