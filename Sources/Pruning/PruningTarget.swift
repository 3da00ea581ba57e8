import PruneNN
import PruneTensor

/// A weight that pruning may act on: the ``PrunableWeightLayer/prunableWeight`` of a layer (a Linear
/// `[out, in]`, a Conv2d `[out, in/groups, kh, kw]`, or any layer conforming to ``PrunableWeightLayer``).
public struct PruningTarget {
    /// Dotted path of the parameter (`features.0.weight`).
    public let path: String
    /// Dotted path of the layer that owns it (`features.0`).
    public let layerPath: String
    /// The parameter.
    public let parameter: Parameter
    /// The owning layer.
    public let layer: any Module

    public init(path: String, layerPath: String, parameter: Parameter, layer: any Module) {
        self.path = path; self.layerPath = layerPath; self.parameter = parameter; self.layer = layer
    }

    /// The target of a layer's prunable weight, named by the weight's own parameter name.
    public init(layer: any PrunableWeightLayer, at layerPath: String) {
        let weight = layer.prunableWeight
        let name = layer.parameters().first { $0.parameter === weight }?.path ?? "weight"
        self.init(path: layerPath.isEmpty ? name : layerPath + "." + name, layerPath: layerPath, parameter: weight,
                  layer: layer)
    }
    /// Shape of the weight.
    public var shape: [Int] { parameter.value.shape }
    /// Number of weights.
    public var count: Int { parameter.value.scalars.count }
    /// Output channels (rows of the 2-D view).
    public var outputs: Int { shape[0] }
    /// Elements per output channel (columns of the 2-D view `[out, in·kh·kw]`).
    public var fanIn: Int { count / max(shape[0], 1) }
    /// Elements per input channel within one output row (kh·kw; 1 for Linear).
    public var kernelArea: Int { shape.count == 4 ? shape[2] * shape[3] : 1 }

    /// Input-channel groups of the weight (a grouped convolution's groups; 1 otherwise).
    public var weightGroups: Int { (layer as? any PrunableWeightLayer)?.weightGroups ?? 1 }

    /// The prunable weights of a model, in parameter order: every ``PrunableWeightLayer``'s weight.
    public static func all(in model: any Module) -> [PruningTarget] {
        model.namedModules().compactMap { entry in
            (entry.module as? any PrunableWeightLayer).map { PruningTarget(layer: $0, at: entry.path) }
        }
    }

    /// The current mask as scalars (all ones when there is none).
    public var maskScalars: [Float] { parameter.mask?.scalars ?? [Float](repeating: 1, count: count) }
}
