import PruneAutodiff
import PruneTensor

/// One-input elementwise functions.
public struct UnaryOperator: GraphOperator {
    public enum Function: Sendable, Equatable {
        case relu, leakyRelu(Float), sigmoid, tanh, erf, gelu, geluTanh, sqrt, exp, log, abs, neg, identity
    }
    public let function: Function
    public init(_ function: Function) { self.function = function }
    public var channelFlow: ChannelFlow { .elementwise }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let v = try input(inputs, 0, "X")
        if function == .identity { return [v] }
        if case .integer(let t) = v, function == .neg || function == .abs {
            return [.integer(try IntegerTensor(shape: t.shape, values: t.values.map { function == .neg ? -$0 : Swift.abs($0) }))]
        }
        let x = try v.variable("X")
        switch function {
        case .relu: return [.float(x.relu())]
        case .leakyRelu(let a): return [.float(x.leakyRelu(a))]
        case .sigmoid: return [.float(x.sigmoid())]
        case .tanh: return [.float(x.tanh())]
        case .erf: return [.float(x.erf())]
        case .gelu: return [.float(x.gelu())]
        case .geluTanh:
            // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
            let inner = try (x + x.pow(3) * 0.044715) * Float(0.7978845608028654)
            return [.float(try x * (inner.tanh() + 1) * 0.5)]
        case .sqrt: return [.float(x.sqrt())]
        case .exp: return [.float(x.exp())]
        case .log: return [.float(x.log())]
        case .abs: return [.float(x.abs())]
        case .neg: return [.float(x * -1)]
        case .identity: return [v]
        }
    }
}

/// Two-input elementwise arithmetic with NumPy broadcasting, on floats or on integers (shape arithmetic).
public struct BinaryOperator: GraphOperator {
    public enum Function: Sendable { case add, sub, mul, div, pow }
    public let function: Function
    public init(_ function: Function) { self.function = function }
    public var channelFlow: ChannelFlow { .elementwise }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let a = try input(inputs, 0, "A"), b = try input(inputs, 1, "B")
        if case .integer(let x) = a, case .integer(let y) = b { return [.integer(try integer(x, y))] }
        let x = try a.variable("A"), y = try b.variable("B")
        switch function {
        case .add: return [.float(try x + y)]
        case .sub: return [.float(try x - y)]
        case .mul: return [.float(try x * y)]
        case .div: return [.float(try x / y)]
        case .pow:
            guard y.value.count == 1 else {
                throw GraphError.invalidValue("Pow supports a single exponent (got shape \(y.shape))")
            }
            let p = y.value.scalars[0]
            return [.float(p == 2 ? x.square() : x.pow(p))]
        }
    }

    private func integer(_ x: IntegerTensor, _ y: IntegerTensor) throws -> IntegerTensor {
        let shape: [Int]
        if x.shape == y.shape || y.values.count == 1 { shape = x.shape } else if x.values.count == 1 { shape = y.shape } else {
            throw GraphError.invalidValue("integer arithmetic on shapes \(x.shape) and \(y.shape) is not supported")
        }
        let n = shape.reduce(1, *)
        let values: [Int] = try (0..<n).map { i in
            let p = x.values[x.values.count == 1 ? 0 : i], q = y.values[y.values.count == 1 ? 0 : i]
            switch function {
            // Wrapping arithmetic: shape values never come near the limits, and nonsense input must not trap.
            case .add: return p &+ q
            case .sub: return p &- q
            case .mul: return p &* q
            case .div:
                let (r, overflow) = p.dividedReportingOverflow(by: q)
                guard q != 0, !overflow else { throw GraphError.invalidValue("integer division \(p) / \(q) is undefined") }
                return r
            case .pow:
                guard q >= 0, q < 64 else { throw GraphError.invalidValue("integer power \(p)^\(q) is not supported") }
                return (0..<q).reduce(1) { r, _ in r &* p }
            }
        }
        return try IntegerTensor(shape: shape, values: values)
    }
}

/// Matrix product of two tensors (both may be activations, as in attention).
public struct MatMulOperator: GraphOperator {
    public init() {}
    public var channelFlow: ChannelFlow { .mixes }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        [.float(try Variable.matmul(try input(inputs, 0, "A").variable("A"), try input(inputs, 1, "B").variable("B")))]
    }
}
