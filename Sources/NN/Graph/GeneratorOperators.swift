import Foundation
import PruneAutodiff
import PruneTensor

/// ConstantOfShape: a tensor of the given shape filled with one value (float 0 by default).
public struct ConstantOfShapeOperator: GraphOperator {
    public let value: Double
    public let isInteger: Bool
    public init(value: Double, isInteger: Bool) { self.value = value; self.isInteger = isInteger }
    public var channelFlow: ChannelFlow { .none }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let shape = try input(inputs, 0, "input").integers("input").values
        guard shape.allSatisfy({ $0 >= 0 }), let n = elementCount(shape) else {
            throw GraphError.invalidValue("ConstantOfShape of shape \(shape)")
        }
        try NumericTensor.checkBudget(shape)
        return [NumericTensor(shape: shape, values: .init(repeating: value, count: n), isInteger: isInteger).graphValue]
    }
}

/// Range(start, limit, delta): ⌈(limit − start) / delta⌉ values (integers when the inputs are).
public struct RangeOperator: GraphOperator {
    public init() {}
    public var channelFlow: ChannelFlow { .none }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let args = try (0..<3).map { NumericTensor(try input(inputs, $0, ["start", "limit", "delta"][$0])) }
        guard args.allSatisfy({ $0.values.count == 1 }) else { throw GraphError.invalidValue("Range takes scalars") }
        let start = args[0].values[0], limit = args[1].values[0], delta = args[2].values[0]
        guard delta != 0, delta.isFinite, start.isFinite, limit.isFinite else {
            throw GraphError.invalidValue("Range(\(start), \(limit), \(delta)) is undefined")
        }
        let count = Swift.max(saturatingInt(((limit - start) / delta).rounded(.up)), 0)
        try NumericTensor.checkBudget([count])
        return [NumericTensor(shape: [count], values: (0..<count).map { start + Double($0) * delta },
                              isInteger: args[0].isInteger).graphValue]
    }
}

/// Size: the number of elements, as an integer scalar.
public struct SizeOperator: GraphOperator {
    public init() {}
    public var channelFlow: ChannelFlow { .none }
    public var readsOnlyShapes: Bool { true }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        [.integer(IntegerTensor(scalar: try input(inputs, 0, "data").shape.reduce(1, *)))]
    }
}

/// NonZero: the indices of the nonzero elements, shaped [rank, count].
public struct NonZeroOperator: GraphOperator {
    public init() {}
    public var channelFlow: ChannelFlow { .none }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = NumericTensor(try input(inputs, 0, "X"))
        var positions: [[Int]] = []
        var k = -1
        _ = try NumericTensor.mapIndices(x.shape) { index in
            k += 1
            if x.values[k] != 0 { positions.append(index) }
            return 0
        }
        let rank = Swift.max(x.shape.count, 1)
        let values = (0..<x.shape.count).flatMap { d in positions.map { $0[d] } }
        return [.integer(try IntegerTensor(shape: [x.shape.isEmpty ? rank : x.shape.count, positions.count],
                                           values: x.shape.isEmpty ? positions.map { _ in 0 } : values))]
    }
}

/// ArgMax / ArgMin along an axis (first or last occurrence of the extreme).
public struct ArgExtremeOperator: GraphOperator {
    public let largest: Bool, axis: Int, keepDims: Bool, selectLast: Bool
    public init(largest: Bool, axis: Int, keepDims: Bool, selectLast: Bool) {
        self.largest = largest; self.axis = axis; self.keepDims = keepDims; self.selectLast = selectLast
    }
    public var channelFlow: ChannelFlow { .none }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = NumericTensor(try input(inputs, 0, "data"))
        let a = try normalizedAxis(axis, rank: x.shape.count)
        guard x.shape[a] > 0 else { throw GraphError.invalidValue("ArgMax/ArgMin over an empty axis") }
        let picks = try NumericTensor.lines(of: x.shape, axis: a).map { line -> Int in
            var best = 0
            for (i, flat) in line.enumerated() {
                let v = x.values[flat], b = x.values[line[best]]
                if largest ? (v > b || (selectLast && v == b)) : (v < b || (selectLast && v == b)) { best = i }
            }
            return best
        }
        var shape = x.shape
        if keepDims { shape[a] = 1 } else { shape.remove(at: a) }
        return [.integer(try IntegerTensor(shape: shape, values: picks))]
    }
}

/// TopK: the k largest (or smallest) values along an axis and their indices; ties keep the lower index.
public struct TopKOperator: GraphOperator {
    public let axis: Int, largest: Bool, kAttribute: Int?
    public init(axis: Int, largest: Bool, kAttribute: Int?) {
        self.axis = axis; self.largest = largest; self.kAttribute = kAttribute
    }
    public var channelFlow: ChannelFlow { .none }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let data = try input(inputs, 0, "X"), x = NumericTensor(data)
        let k = try kAttribute ?? input(inputs, 1, "K").integers("K").values.first ?? -1
        let a = try normalizedAxis(axis, rank: x.shape.count)
        guard k >= 0, k <= x.shape[a] else { throw GraphError.invalidValue("TopK k = \(k) for extent \(x.shape[a])") }
        var shape = x.shape; shape[a] = k
        var picked = [Int](repeating: 0, count: shape.reduce(1, *)), indices = picked
        let outLines = try NumericTensor.lines(of: shape, axis: a)
        for (line, outLine) in zip(try NumericTensor.lines(of: x.shape, axis: a), outLines) {
            let order = line.indices.sorted { i, j in
                let u = x.values[line[i]], v = x.values[line[j]]
                return u == v ? i < j : (largest ? u > v : u < v)
            }
            for (slot, i) in order.prefix(k).enumerated() {
                picked[outLine[slot]] = line[i]
                indices[outLine[slot]] = i
            }
        }
        return [try data.gathered(picked, shape: shape), .integer(try IntegerTensor(shape: shape, values: indices))]
    }
}

/// CumSum along an axis (exclusive and reverse variants).
public struct CumSumOperator: GraphOperator {
    public let exclusive: Bool, reverse: Bool
    public init(exclusive: Bool, reverse: Bool) { self.exclusive = exclusive; self.reverse = reverse }
    public var channelFlow: ChannelFlow { .none }
    /// Examples stay apart unless the sums run along the first axis (the attention masks' position ids of
    /// RoBERTa's export sum along the sequence).
    public func keepsExamplesApart(_ inputs: [GraphValue?], batched: [Bool]) -> Bool {
        Self.keepsExamplesApart(inputs, batched: batched) { _ in
            try? optionalIntegers(inputs, 1, "axis")
        }
    }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let data = try input(inputs, 0, "x")
        var x = NumericTensor(data)
        let axis = try input(inputs, 1, "axis").integers("axis").values.first ?? 0
        let a = try normalizedAxis(axis, rank: x.shape.count), source = x.values
        for line in try NumericTensor.lines(of: x.shape, axis: a) {
            var total = 0.0
            for flat in (reverse ? line.reversed() : line) {
                if !exclusive { total += source[flat] }
                x.values[flat] = total
                if exclusive { total += source[flat] }
            }
        }
        return [x.graphValue(from: [data], operation: "CumSum")]
    }
}
