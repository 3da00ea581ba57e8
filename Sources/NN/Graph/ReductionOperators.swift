import Foundation
import PruneAutodiff
import PruneTensor

/// ReduceMean, ReduceSum, ReduceMax, … over axes (from an attribute in older opsets, or the
/// second input); all axes when none are given, unless `noop_with_empty_axes`. Differentiable
/// on floats except ReduceProd.
public struct ReduceOperator: GraphOperator {
    public enum Kind: String, Sendable { case mean, sum, max, min, prod, l1, l2, sumSquare, logSum, logSumExp }
    public let kind: Kind
    public let axesAttribute: [Int]?
    public let keepDims: Bool
    public let noopWithEmptyAxes: Bool
    public init(_ kind: Kind = .mean, axesAttribute: [Int]?, keepDims: Bool, noopWithEmptyAxes: Bool = false) {
        self.kind = kind; self.axesAttribute = axesAttribute; self.keepDims = keepDims
        self.noopWithEmptyAxes = noopWithEmptyAxes
    }
    public var channelFlow: ChannelFlow { .reduces(axes: axesAttribute ?? [], keepDims: keepDims) }

    /// Examples stay apart unless the first axis is among the reduced ones (the axes input counts too).
    public func keepsExamplesApart(_ inputs: [GraphValue?], batched: [Bool]) -> Bool {
        Self.keepsExamplesApart(inputs, batched: batched) { try? axes(inputs, rank: $0) }
    }

    /// The axes this node reduces for an input of rank `rank`.
    public func axes(_ inputs: [GraphValue?], rank: Int) throws -> [Int] {
        let given = try axesAttribute ?? (inputs.count > 1 ? inputs[1]?.integers("axes").values : nil) ?? []
        if given.isEmpty { return noopWithEmptyAxes ? [] : Array(0..<rank) }
        return Array(Set(try given.map { try normalizedAxis($0, rank: rank) })).sorted()
    }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let data = try input(inputs, 0, "data")
        let axes = try axes(inputs, rank: data.shape.count)
        if axes.isEmpty { return [data] }
        var outShape = data.shape
        for a in axes { outShape[a] = 1 }
        if !keepDims { outShape = outShape.enumerated().filter { !axes.contains($0.offset) }.map(\.element) }
        guard case .float(let x) = data, kind != .prod else {
            return [try numeric(NumericTensor(data), axes: axes, outShape: outShape).graphValue(from: [data],
                                                                                             operation: "ReduceProd")]
        }
        return [.float(try float(x, axes: axes).reshaped(outShape))]
    }

    /// The reduction with dimensions kept (reshaped by the caller).
    func float(_ x: Variable, axes: [Int]) throws -> Variable {
        switch kind {
        case .mean: return try x.mean(axes: axes, keepDims: true)
        case .sum: return try x.sum(axes: axes, keepDims: true)
        case .max, .min: return try axes.reduce(x) { try kind == .max ? $0.max(axis: $1, keepDims: true)
                                                                      : $0.min(axis: $1, keepDims: true) }
        case .l1: return try x.abs().sum(axes: axes, keepDims: true)
        case .l2: return try x.square().sum(axes: axes, keepDims: true).sqrt()
        case .sumSquare: return try x.square().sum(axes: axes, keepDims: true)
        case .logSum: return try x.sum(axes: axes, keepDims: true).log()
        case .logSumExp:
            let m = Variable(try axes.reduce(x) { try $0.max(axis: $1, keepDims: true) }.value)
            return try (try (x - m).exp().sum(axes: axes, keepDims: true).log() + m)
        case .prod: throw GraphError.unsupported("the gradient of ReduceProd")
        }
    }

    /// The reduction on numbers (integers, or ReduceProd).
    func numeric(_ x: NumericTensor, axes: [Int], outShape: [Int]) throws -> NumericTensor {
        var kept = x.shape
        for a in axes { kept[a] = 1 }
        let targets = try NumericTensor.broadcastSources(from: kept, to: x.shape)
        let start: Double = kind == .prod ? 1 : (kind == .max ? -.infinity : (kind == .min ? .infinity : 0))
        var acc = [Double](repeating: start, count: kept.reduce(1, *)), counts = acc.map { _ in 0.0 }
        for (i, t) in targets.enumerated() {
            let v = x.values[i]
            counts[t] += 1
            switch kind {
            case .prod: acc[t] *= v
            case .max: acc[t] = Swift.max(acc[t], v)
            case .min: acc[t] = Swift.min(acc[t], v)
            case .l1: acc[t] += Swift.abs(v)
            case .l2, .sumSquare: acc[t] += v * v
            case .logSumExp: acc[t] += Foundation.exp(v)
            case .sum, .mean, .logSum: acc[t] += v
            }
        }
        let values = acc.indices.map { i -> Double in
            switch kind {
            case .mean: return acc[i] / Swift.max(counts[i], 1)
            case .l2: return acc[i].squareRoot()
            case .logSum, .logSumExp: return Foundation.log(acc[i])
            default: return acc[i]
            }
        }
        return NumericTensor(shape: outShape, values: values, isInteger: x.isInteger && ![.l2, .logSum,
                .logSumExp].contains(kind))
    }
}

/// Softmax, LogSoftmax and Hardmax along one axis. Before opset 13 the input is first viewed as
/// a matrix [product of the axes before `axis`, product of the rest], and the function runs along
/// its rows (`flattensFromAxis`).
public struct SoftmaxOperator: GraphOperator {
    public enum Kind: Sendable { case softmax, logSoftmax, hardmax }
    public let kind: Kind
    public let axis: Int
    public let flattensFromAxis: Bool
    public init(_ kind: Kind = .softmax, axis: Int, flattensFromAxis: Bool = false) {
        self.kind = kind; self.axis = axis; self.flattensFromAxis = flattensFromAxis
    }
    public var channelFlow: ChannelFlow { .reduces(axes: [axis], keepDims: true) }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = try input(inputs, 0, "input").variable("input")
        let shape = x.shape
        guard !shape.isEmpty else { throw GraphError.invalidValue("softmax of a scalar") }
        let a = try normalizedAxis(axis, rank: shape.count)
        guard flattensFromAxis else { return [.float(try apply(x, axis: a))] }
        let rows = shape[..<a].reduce(1, *)
        let matrix = try x.reshaped([rows, shape[a...].reduce(1, *)])
        return [.float(try apply(matrix, axis: 1).reshaped(shape))]
    }

    func apply(_ x: Variable, axis a: Int) throws -> Variable {
        switch kind {
        case .softmax: return try x.softmax(axis: a)
        case .logSoftmax: return try x.logSoftmax(axis: a)
        case .hardmax:
            let n = NumericTensor(.float(x))
            var out = [Float](repeating: 0, count: n.values.count)
            for line in try NumericTensor.lines(of: n.shape, axis: a) where !line.isEmpty {
                var best = line[0]
                for flat in line where n.values[flat] > n.values[best] { best = flat }
                out[best] = 1
            }
            return Variable(Tensor(unchecked: n.shape, out))
        }
    }
}

/// MaxPool, AveragePool (padding counted in the divisor) and GlobalAveragePool over `[N, C, H, W]`.
public struct PoolOperator: GraphOperator {
    public enum Kind: Sendable { case max, average, globalAverage }
    public let kind: Kind
    public let geometry: Conv2dGeometry
    public init(kind: Kind, geometry: Conv2dGeometry) { self.kind = kind; self.geometry = geometry }
    public var channelFlow: ChannelFlow { .reduces(axes: [2, 3], keepDims: true) }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        if case .integer(let t) = try input(inputs, 0, "X"), kind == .max {
            // Integer max pooling (uint8 images): exact in Float below 2^24.
            let y = try run([try CastOperator(to: .float32).run([.integer(t)])[0]])[0]
            return try CastOperator(to: .integer(bits: 64, signed: true)).run([y])
        }
        let x = try input(inputs, 0, "X").variable("X")
        guard x.shape.count == 4 else { throw GraphError.invalidValue("pooling needs [N, C, H, W], got \(x.shape)") }
        switch kind {
        case .max: return [.float(try Variable.maxPool2d(x, geometry: geometry))]
        case .average: return [.float(try Variable.avgPool2d(x, geometry: geometry))]
        case .globalAverage: return [.float(try x.mean(axes: [2, 3], keepDims: true))]
        }
    }
}
