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
    /// Activation functions (not the arithmetic ones: sqrt, exp, log, abs, neg, erf, identity).
    public var isPerChannelOperation: Bool {
        switch function {
        case .relu, .leakyRelu, .sigmoid, .tanh, .gelu, .geluTanh: return true
        default: return false
        }
    }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let v = try input(inputs, 0, "X")
        if function == .identity { return [v] }
        if case .integer(let t) = v, function == .neg || function == .abs {
            return [.integer(try IntegerTensor(shape: t.shape,
                                               values: t.values.map { function == .neg ? -$0 : Swift.abs($0) }))]
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
    public enum Function: Sendable { case add, sub, mul, div, pow, mod(fmod: Bool) }
    public let function: Function
    public init(_ function: Function) { self.function = function }
    public var channelFlow: ChannelFlow { .elementwise }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let a = try input(inputs, 0, "A"), b = try input(inputs, 1, "B")
        if case .integer(let x) = a, case .integer(let y) = b { return [.integer(try integer(x, y))] }
        let x = try a.variable("A"), y = try b.variable("B")
        switch function {
        case .mod: throw GraphError.invalidValue("Mod of float tensors is not supported (integer shape arithmetic is)")
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
            case .mod(let fmod):
                guard q != 0, !(p == Int.min && q == -1) else { throw GraphError.invalidValue("integer \(p) mod \(q) is undefined") }
                let r = p % q   // truncated: the sign of the dividend (fmod = 1)
                return fmod || r == 0 || (r < 0) == (q < 0) ? r : r + q   // fmod = 0: the sign of the divisor
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

/// Clip to [min, max] (optional scalar inputs). The gradient is 1 inside the range, 0 outside.
public struct ClipOperator: GraphOperator {
    /// Clip with scalar bounds (ReLU6) is an activation function.
    public var isPerChannelOperation: Bool { true }
    public init() {}
    public var channelFlow: ChannelFlow { .elementwise }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let v = try input(inputs, 0, "input")
        func bound(_ i: Int) throws -> Float? {
            guard i < inputs.count, let b = inputs[i] else { return nil }
            guard b.shape.reduce(1,
                                 *) == 1 else { throw GraphError.invalidValue("Clip bounds must be scalars, got shape \(b.shape)") }
            switch b {
            case .float(let t): return t.value.scalars[0]
            case .integer(let t): return Float(t.values[0])
            }
        }
        let lo = try bound(1), hi = try bound(2)
        if case .integer(let t) = v {
            return [.integer(try IntegerTensor(shape: t.shape, values: t.values.map { x in
                var y = x
                if let lo { y = Swift.max(y, Int(lo)) }
                if let hi { y = Swift.min(y, Int(hi)) }
                return y
            }))]
        }
        var y = try v.variable("input")
        if let lo { y = (y - lo).relu() + lo }          // max(x, lo)
        if let hi { y = hi - (hi - y).relu() }          // min(x, hi)
        return [.float(y)]
    }
}

/// Cast between float and integer element types (floats become integers truncated toward zero).
public struct CastOperator: GraphOperator {
    public let toInteger: Bool
    public init(toInteger: Bool) { self.toInteger = toInteger }
    public var channelFlow: ChannelFlow { .elementwise }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let v = try input(inputs, 0, "input")
        switch (v, toInteger) {
        case (.float(let x), true):
            guard x.value.scalars.allSatisfy({ $0.isFinite && Swift.abs($0) < 9e15 }) else { throw GraphError.invalidValue("cannot cast NaN, infinite or huge values to integers") }
            return [.integer(try IntegerTensor(shape: x.shape,
                                               values: x.value.scalars.map { Int($0.rounded(.towardZero)) }))]
        case (.integer(let t), false):
            return [.float(Variable(Tensor(unchecked: t.shape, t.values.map { Float($0) })))]
        default:
            return [v]
        }
    }
}
