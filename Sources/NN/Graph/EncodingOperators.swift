import Foundation
import PruneAutodiff
import PruneTensor

/// OneHot: `depth` positions inserted at `axis`, `values[1]` at each index and `values[0]` elsewhere
/// (negative indices count from the end; out-of-range indices give all `values[0]`).
public struct OneHotOperator: GraphOperator {
    public let axis: Int
    public init(axis: Int) { self.axis = axis }
    public var channelFlow: ChannelFlow { .none }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let indices = NumericTensor(try input(inputs, 0, "indices"))
        guard let depthValue = NumericTensor(try input(inputs, 1, "depth")).values.first, depthValue >= 1,
              depthValue < 1e9 else {
            throw GraphError.invalidValue("OneHot depth must be at least 1")
        }
        let depth = Int(depthValue), values = NumericTensor(try input(inputs, 2, "values"))
        guard values.values.count == 2 else { throw GraphError.invalidValue("OneHot needs [off, on] values") }
        let a = try normalizedAxis(axis, rank: indices.shape.count + 1)
        var shape = indices.shape
        shape.insert(depth, at: a)
        try NumericTensor.checkBudget(shape)
        let inner = indices.shape[a...].reduce(1, *)
        var out = [Double](repeating: values.values[0], count: shape.reduce(1, *))
        for (k, v) in indices.values.enumerated() {
            var i = saturatingInt(v)
            if i < 0 { i += depth }
            guard i >= 0, i < depth else { continue }
            out[(k / inner * depth + i) * inner + k % inner] = values.values[1]
        }
        return [NumericTensor(shape: shape, values: out, isInteger: values.isInteger).graphValue]
    }
}

/// EyeLike: a matrix shaped like the input with ones on diagonal k.
public struct EyeLikeOperator: GraphOperator {
    public let k: Int, integer: Bool?
    public init(k: Int, integer: Bool?) { self.k = k; self.integer = integer }
    public var channelFlow: ChannelFlow { .none }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = try input(inputs, 0, "input")
        guard x.shape.count == 2 else { throw GraphError.invalidValue("EyeLike needs a matrix, got \(x.shape)") }
        let (rows, columns) = (x.shape[0], x.shape[1])
        let values = (0..<(rows * columns)).map { $0 % columns - $0 / columns == k ? 1.0 : 0.0 }
        return [NumericTensor(shape: x.shape, values: values, isInteger: integer ?? x.isInteger).graphValue]
    }
}

/// BitShift of unsigned integers (left or right).
public struct BitShiftOperator: GraphOperator {
    public let left: Bool
    public init(left: Bool) { self.left = left }
    public var channelFlow: ChannelFlow { .none }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = NumericTensor(try input(inputs, 0, "X")), y = NumericTensor(try input(inputs, 1, "Y"))
        return [try NumericTensor.combine([x, y], integerResult: true) { v in
            let (a, s) = (UInt64(truncatingIfNeeded: saturatingInt(v[0])),
                          UInt64(truncatingIfNeeded: saturatingInt(v[1])))
            return Double(s >= 64 ? 0 : (left ? a << s : a >> s))
        }.graphValue]
    }
}

/// Compress: the slices along `axis` (of the flattened input when no axis) where the condition holds.
public struct CompressOperator: GraphOperator {
    public let axis: Int?
    public init(axis: Int?) { self.axis = axis }
    public var channelFlow: ChannelFlow { .fixes }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        var data = try input(inputs, 0, "input")
        let condition = NumericTensor(try input(inputs, 1, "condition")).values
        if axis == nil { data = try reshape(data, [data.shape.reduce(1, *)]) }
        let a = try normalizedAxis(axis ?? 0, rank: data.shape.count)
        let picked = condition.prefix(data.shape[a]).enumerated().filter { $0.element != 0 }.map(\.offset)
        var shape = data.shape
        shape[a] = picked.count
        let strides = NumericTensor.strides(data.shape)
        let sources = try NumericTensor.mapIndices(shape) { o in
            o.indices.reduce(0) { $0 + ($1 == a ? picked[o[$1]] : o[$1]) * strides[$1] }
        }
        return [try data.gathered(sources, shape: shape)]
    }
}

/// QuantizeLinear (round(x / scale) + zero point, saturated to uint8 or int8) and DequantizeLinear
/// ((x − zero point) · scale), per tensor or per `axis`.
public struct LinearQuantizationOperator: GraphOperator {
    public let quantize: Bool, axis: Int, signed: Bool
    public init(quantize: Bool, axis: Int,
                signed: Bool) { self.quantize = quantize; self.axis = axis; self.signed = signed }
    public var channelFlow: ChannelFlow { .fixes }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = NumericTensor(try input(inputs, 0, "x")), scale = NumericTensor(try input(inputs, 1, "scale"))
        let zero = inputs.count > 2 ? inputs[2].map(NumericTensor.init) : nil
        var parameterShape = [Int](repeating: 1, count: x.shape.count)
        if scale.values.count > 1 {
            let a = try normalizedAxis(axis, rank: x.shape.count)
            guard scale.values.count == x.shape[a] else {
                throw GraphError.invalidValue("\(scale.values.count) scales for axis \(a) of \(x.shape)")
            }
            parameterShape[a] = scale.values.count
        }
        guard !scale.values.isEmpty, zero.map({ $0.values.count == scale.values.count }) ?? true else {
            throw GraphError.invalidValue("the zero point must have one value per scale")
        }
        let s = NumericTensor(shape: parameterShape, values: scale.values, isInteger: false)
        let z = NumericTensor(shape: parameterShape, values: zero?.values ?? [Double](repeating: 0,
                                                                                      count: scale.values.count),
                              isInteger: true)
        let (low, high): (Double, Double) = signed ? (-128, 127) : (0, 255)
        let r = try NumericTensor.combine([x, s, z], integerResult: quantize) { v in
            // Divided in Float, as float32 runtimes do, so that halves round the same way.
            quantize ? Swift.min(Swift.max(Double((Float(v[0]) / Float(v[1])).rounded(.toNearestOrEven)) + v[2], low),
                                 high)
                     : (v[0] - v[2]) * v[1]
        }
        return [r.graphValue]
    }
}
