import PruneAutodiff
import PruneTensor

/// An integer tensor (shapes, indices, axes) flowing through a ``GraphModel`` beside float activations.
public struct IntegerTensor: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Int]

    public init(shape: [Int], values: [Int]) throws {
        guard elementCount(shape) == values.count else {
            throw TensorError.shapeMismatch(op: "IntegerTensor", shapes: [shape, [values.count]],
                                            reason: "the shape must hold exactly the values")
        }
        self.shape = shape; self.values = values
    }

    /// A 1-D tensor.
    public init(_ values: [Int]) { shape = [values.count]; self.values = values }
    /// A scalar (rank 0).
    public init(scalar: Int) { shape = []; values = [scalar] }

    public var rank: Int { shape.count }
}

/// The number of elements of a shape, or nil when an extent is negative or the product overflows.
public func elementCount(_ shape: [Int]) -> Int? {
    guard shape.allSatisfy({ $0 >= 0 }) else { return nil }
    if shape.contains(0) { return 0 }
    var n = 1
    for d in shape {
        let (m, overflow) = n.multipliedReportingOverflow(by: d)
        if overflow { return nil }
        n = m
    }
    return n
}

/// A value in a graph: a float tensor (differentiable) or an integer tensor.
public enum GraphValue {
    case float(Variable)
    case integer(IntegerTensor)

    public var shape: [Int] {
        switch self {
        case .float(let v): return v.shape
        case .integer(let t): return t.shape
        }
    }

    /// The float tensor, or an error naming what was expected.
    public func variable(_ what: String) throws -> Variable {
        switch self {
        case .float(let v): return v
        case .integer: throw GraphError.invalidValue("\(what) must be a float tensor, got an integer tensor")
        }
    }

    /// The values as a float tensor (integers converted; token ids stay exact below 2^24).
    public var floatTensor: Tensor {
        switch self {
        case .float(let v): return v.value
        case .integer(let t): return Tensor(unchecked: t.shape, t.values.map(Float.init))
        }
    }

    /// The integer values, or an error (float tensors holding whole numbers are accepted).
    public func integers(_ what: String) throws -> IntegerTensor {
        switch self {
        case .integer(let t): return t
        case .float(let v):
            guard v.value.scalars.allSatisfy({ $0 == $0.rounded() && Swift.abs($0) < 16_777_216 }) else {
                throw GraphError.invalidValue("\(what) must be an integer tensor")
            }
            return try IntegerTensor(shape: v.shape, values: v.value.scalars.map { Int($0) })
        }
    }
}

/// Errors of graph execution; each names the node.
public enum GraphError: Error, CustomStringConvertible {
    case invalidValue(String)
    case missingInput(node: String, input: String)
    case node(name: String, opType: String, underlying: Error)
    /// A valid use of an operator that Prune's engine does not implement (a data type, a mode).
    case unsupported(String)

    public var description: String {
        switch self {
        case .invalidValue(let m): return m
        case .unsupported(let m): return m
        case let .missingInput(n, i): return "node '\(n)': input '\(i)' has no value"
        case let .node(n, op, e): return "node '\(n)' (\(op)): \(e)"
        }
    }
}
