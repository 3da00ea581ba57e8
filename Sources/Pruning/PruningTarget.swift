import PruneNN
import PruneTensor

/// A weight that pruning may act on: a Linear `[out, in]` or Conv2d `[out, in/groups, kh, kw]` weight.
public struct PruningTarget {
    /// Dotted path of the parameter (`features.0.weight`).
    public let path: String
    /// Dotted path of the layer that owns it (`features.0`).
    public let layerPath: String
    /// The parameter.
    public let parameter: Parameter
    /// The owning layer.
    public let layer: any Module

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

    /// The prunable weights of a model, in parameter order: every Linear and Conv2d weight.
    public static func all(in model: any Module) -> [PruningTarget] {
        model.namedModules().compactMap { entry in
            let weight: Parameter
            if let l = entry.module as? Linear { weight = l.weight }
            else if let c = entry.module as? Conv2d { weight = c.weight }
            else { return nil }
            return PruningTarget(path: entry.path.isEmpty ? "weight" : entry.path + ".weight", layerPath: entry.path,
                                 parameter: weight, layer: entry.module)
        }
    }

    /// The current mask as scalars (all ones when there is none).
    public var maskScalars: [Float] { parameter.mask?.scalars ?? [Float](repeating: 1, count: count) }
}
