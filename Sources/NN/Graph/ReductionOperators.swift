import PruneAutodiff
import PruneTensor

/// ReduceMean over axes (from an attribute, or the second input from opset 18); all axes when none.
public struct ReduceMeanOperator: GraphOperator {
    public let axesAttribute: [Int]?
    public let keepDims: Bool
    public let noopWithEmptyAxes: Bool
    public init(axesAttribute: [Int]?, keepDims: Bool, noopWithEmptyAxes: Bool = false) {
        self.axesAttribute = axesAttribute; self.keepDims = keepDims; self.noopWithEmptyAxes = noopWithEmptyAxes
    }
    public var channelFlow: ChannelFlow { .reduces(axes: axesAttribute ?? [], keepDims: keepDims) }

    /// The axes this node reduces for an input of rank `rank`.
    public func axes(_ inputs: [GraphValue?], rank: Int) throws -> [Int] {
        let given = try axesAttribute ?? (inputs.count > 1 ? inputs[1]?.integers("axes").values : nil) ?? []
        if given.isEmpty { return noopWithEmptyAxes ? [] : Array(0..<rank) }
        return try given.map { try normalizedAxis($0, rank: rank) }
    }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = try input(inputs, 0, "data").variable("data")
        let axes = try axes(inputs, rank: x.shape.count)
        if axes.isEmpty { return [.float(x)] }
        return [.float(try x.mean(axes: axes, keepDims: keepDims))]
    }
}

/// Softmax along one axis (opset 13 semantics).
public struct SoftmaxOperator: GraphOperator {
    public let axis: Int
    public init(axis: Int) { self.axis = axis }
    public var channelFlow: ChannelFlow { .reduces(axes: [axis], keepDims: true) }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = try input(inputs, 0, "input").variable("input")
        return [.float(try x.softmax(axis: try normalizedAxis(axis, rank: x.shape.count)))]
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
        let x = try input(inputs, 0, "X").variable("X")
        guard x.shape.count == 4 else { throw GraphError.invalidValue("pooling needs [N, C, H, W], got \(x.shape)") }
        switch kind {
        case .max: return [.float(try Variable.maxPool2d(x, geometry: geometry))]
        case .average: return [.float(try Variable.avgPool2d(x, geometry: geometry))]
        case .globalAverage: return [.float(try x.mean(axes: [2, 3], keepDims: true))]
        }
    }
}
