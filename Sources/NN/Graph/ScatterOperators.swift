import PruneAutodiff
import PruneTensor

/// How scattered updates combine with the values already there.
public enum ScatterReduction: String, Sendable {
    case none, add, mul, max, min
    func combine(_ old: Double, _ new: Double) -> Double {
        switch self {
        case .none: return new
        case .add: return old + new
        case .mul: return old * new
        case .max: return Swift.max(old, new)
        case .min: return Swift.min(old, new)
        }
    }
}

/// ScatterND: a copy of data with the slices addressed by the last axis of indices replaced by
/// (or combined with) updates. Inference only on floats.
public struct ScatterNDOperator: GraphOperator {
    public let reduction: ScatterReduction
    public init(reduction: ScatterReduction) { self.reduction = reduction }
    public var channelFlow: ChannelFlow { .fixes }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let data = try input(inputs, 0, "data"), updatesValue = try input(inputs, 2, "updates")
        let idx = try input(inputs, 1, "indices").integers("indices")
        var out = NumericTensor(data)
        let updates = NumericTensor(updatesValue), shape = out.shape
        guard let m = idx.shape.last, m <= shape.count else {
            throw GraphError.invalidValue("ScatterND indices \(idx.shape)")
        }
        let rows = idx.values.count / Swift.max(m, 1), sliceSize = shape[m...].reduce(1, *)
        guard updates.values.count == rows * sliceSize else {
            throw GraphError.invalidValue("ScatterND: updates \(updates.shape), indices \(idx.shape), data \(shape)")
        }
        let strides = NumericTensor.strides(shape)
        for r in 0..<rows {
            var start = 0
            for k in 0..<m {
                var j = idx.values[r * m + k]
                if j < 0 { j += shape[k] }
                guard j >= 0, j < shape[k] else {
                    throw GraphError.invalidValue("ScatterND index \(j) for extent \(shape[k])")
                }
                start += j * strides[k]
            }
            for e in 0..<sliceSize {
                out.values[start + e] = reduction.combine(out.values[start + e], updates.values[r * sliceSize + e])
            }
        }
        return [out.graphValue(from: [data, updatesValue], operation: "ScatterND")]
    }
}

/// ScatterElements: `out[... index ...] = updates[...]` along `axis`, indices shaped like updates.
public struct ScatterElementsOperator: GraphOperator {
    public let axis: Int
    public let reduction: ScatterReduction
    public init(axis: Int, reduction: ScatterReduction) { self.axis = axis; self.reduction = reduction }
    public var channelFlow: ChannelFlow { .fixes }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let data = try input(inputs, 0, "data"), updatesValue = try input(inputs, 2, "updates")
        let idx = try input(inputs, 1, "indices").integers("indices")
        var out = NumericTensor(data)
        let updates = NumericTensor(updatesValue), shape = out.shape
        guard idx.shape == updates.shape, idx.rank == shape.count else {
            throw GraphError.invalidValue("ScatterElements: indices \(idx.shape), updates \(updates.shape), "
                                          + "data \(shape)")
        }
        let targets = try NumericTensor.elementPositions(idx, in: shape, axis: axis)
        for (i, t) in targets.enumerated() { out.values[t] = reduction.combine(out.values[t], updates.values[i]) }
        return [out.graphValue(from: [data, updatesValue], operation: "ScatterElements")]
    }
}
