import PruneAutodiff
import PruneTensor

/// Applies a new shape to a float or integer value.
func reshape(_ v: GraphValue, _ shape: [Int]) throws -> GraphValue {
    switch v {
    case .float(let x): return .float(try x.reshaped(shape))
    case .integer(let t): return .integer(try IntegerTensor(shape: shape, values: t.values))
    }
}

/// Reshape: the target shape is the second input (0 copies the input's extent unless `allowZero`; −1 is inferred).
public struct ReshapeOperator: GraphOperator {
    public let allowZero: Bool
    public init(allowZero: Bool) { self.allowZero = allowZero }
    public var channelFlow: ChannelFlow { .relayouts }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = try input(inputs, 0, "data")
        let target = try input(inputs, 1, "shape").integers("shape")
        var shape = target.values
        for (i, d) in shape.enumerated() where d == 0 && !allowZero {
            guard i < x.shape.count else { throw GraphError.invalidValue("shape \(target.values): 0 at axis \(i) beyond the input's rank \(x.shape.count)") }
            shape[i] = x.shape[i]
        }
        let count = x.shape.reduce(1, *)
        if let i = shape.firstIndex(of: -1) {
            let known = elementCount(shape.enumerated().filter { $0.offset != i }.map(\.element)) ?? 0
            guard known > 0, count % known == 0 else { throw GraphError.invalidValue("cannot reshape \(x.shape) to \(target.values)") }
            shape[i] = count / known
        }
        guard elementCount(shape) == count else { throw GraphError.invalidValue("cannot reshape \(x.shape) to \(target.values)") }
        return [try reshape(x, shape)]
    }
}

/// Flatten to 2-D at `axis`.
public struct FlattenOperator: GraphOperator {
    public let axis: Int
    public init(axis: Int) { self.axis = axis }
    public var channelFlow: ChannelFlow { .relayouts }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = try input(inputs, 0, "input")
        let a = axis < 0 ? axis + x.shape.count : axis
        guard a >= 0 && a <= x.shape.count else { throw GraphError.invalidValue("Flatten axis \(axis) for rank \(x.shape.count)") }
        return [try reshape(x, [x.shape[..<a].reduce(1, *), x.shape[a...].reduce(1, *)])]
    }
}

/// Transpose by a permutation (reversed axes when none is given).
public struct TransposeOperator: GraphOperator {
    public let permutation: [Int]?
    public init(permutation: [Int]?) { self.permutation = permutation }
    public var channelFlow: ChannelFlow { .permutes(permutation ?? []) }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let v = try input(inputs, 0, "data")
        let perm = permutation ?? Array((0..<v.shape.count).reversed())
        guard perm.sorted() == Array(0..<v.shape.count) else { throw GraphError.invalidValue("perm \(perm) for rank \(v.shape.count)") }
        switch v {
        case .float(let x): return [.float(try x.permuted(perm))]
        case .integer:
            let strides = NumericTensor.strides(v.shape), shape = perm.map { v.shape[$0] }
            let sources = try NumericTensor.mapIndices(shape) { o in o.indices.reduce(0) { $0 + o[$1] * strides[perm[$1]] } }
            return [try v.gathered(sources, shape: shape)]
        }
    }
}

/// Squeeze (axes from the second input, or every extent-1 axis) and Unsqueeze (axes from the second input).
public struct SqueezeOperator: GraphOperator {
    public let unsqueeze: Bool
    /// Axes given as an attribute (opsets before 13); nil reads the second input.
    public let axesAttribute: [Int]?
    public init(unsqueeze: Bool,
                axesAttribute: [Int]? = nil) { self.unsqueeze = unsqueeze; self.axesAttribute = axesAttribute }
    public var channelFlow: ChannelFlow { .relayouts }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let v = try input(inputs, 0, "data")
        let axes = try axesAttribute ?? (inputs.count > 1 ? inputs[1]?.integers("axes").values : nil)
        var shape = v.shape
        if unsqueeze {
            guard let axes else { throw GraphError.invalidValue("Unsqueeze needs axes") }
            let rank = shape.count + axes.count
            let norm = axes.map { $0 < 0 ? $0 + rank : $0 }.sorted()
            guard norm.allSatisfy({ $0 >= 0 && $0 < rank }), Set(norm).count == norm.count else { throw GraphError.invalidValue("axes \(axes) for output rank \(rank)") }
            for a in norm { shape.insert(1, at: a) }
        } else if let axes {
            let norm = Set(axes.map { $0 < 0 ? $0 + shape.count : $0 })
            guard norm.allSatisfy({ $0 >= 0 && $0 < shape.count && shape[$0] == 1 }) else {
                throw GraphError.invalidValue("cannot squeeze axes \(axes) of shape \(shape)")
            }
            shape = shape.enumerated().filter { !norm.contains($0.offset) }.map(\.element)
        } else {
            shape = shape.filter { $0 != 1 }
        }
        return [try reshape(v, shape)]
    }
}

/// Shape: the input's extents (optionally `start..<end`) as an integer tensor.
public struct ShapeOperator: GraphOperator {
    public let start: Int, end: Int?
    public init(start: Int = 0, end: Int? = nil) { self.start = start; self.end = end }
    public var channelFlow: ChannelFlow { .none }
    public var readsOnlyShapes: Bool { true }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let s = try input(inputs, 0, "data").shape
        func clamp(_ i: Int) -> Int { Swift.min(Swift.max(i < 0 ? i + s.count : i, 0), s.count) }
        let a = clamp(start), b = clamp(end ?? s.count)
        return [.integer(IntegerTensor(a < b ? Array(s[a..<b]) : []))]
    }
}
