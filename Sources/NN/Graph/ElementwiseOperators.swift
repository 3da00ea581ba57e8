import Foundation
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
        case .geluTanh: return [.float(x.geluTanh())]
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
        if case .pow = function, a.isInteger || b.isInteger || b.shape.reduce(1, *) != 1 {
            return [try Self.power(a, b)]
        }
        if case .integer = a { throw GraphError.unsupported("arithmetic of an integer and a float tensor") }
        if case .integer = b { throw GraphError.unsupported("arithmetic of a float and an integer tensor") }
        let x = try a.variable("A"), y = try b.variable("B")
        switch function {
        case .mod(let fmod): return [try Self.floatModulo(x, y, fmod: fmod)]
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

    /// Pow with a tensor exponent, or with an integer operand (the result has the base's type).
    static func power(_ a: GraphValue, _ b: GraphValue) throws -> GraphValue {
        if case .float(let x) = a, case .float(let y) = b {
            let shape = try NumericTensor.broadcastShape([x.shape, y.shape])
            let xb = try GraphValue.float(x).broadcast(to: shape).variable("A")
            let yb = try GraphValue.float(y).broadcast(to: shape).variable("B")
            let xs = xb.value.scalars, ys = yb.value.scalars
            let out = Tensor(unchecked: shape, zip(xs, ys).map { Foundation.pow($0, $1) })
            return .float(Variable.record(out, [xb, yb]) { g in
                let gs = g.scalars, os = out.scalars
                let dx = (0..<gs.count).map { gs[$0] * ys[$0] * Foundation.pow(xs[$0], ys[$0] - 1) }
                let dy = (0..<gs.count).map { xs[$0] > 0 ? gs[$0] * os[$0] * Foundation.log(xs[$0]) : 0 }
                return [Tensor(unchecked: shape, dx), Tensor(unchecked: shape, dy)]
            })
        }
        let r = try NumericTensor.combine([NumericTensor(a), NumericTensor(b)], integerResult: a.isInteger) {
            Foundation.pow($0[0], $0[1])
        }
        return r.graphValue
    }

    /// Float Mod: fmod = 1 keeps the dividend's sign (C fmod); fmod = 0 the divisor's (Python).
    static func floatModulo(_ x: Variable, _ y: Variable, fmod: Bool) throws -> GraphValue {
        let r = try NumericTensor.combine([NumericTensor(.float(x)), NumericTensor(.float(y))], integerResult: false) {
            let m = Foundation.fmod($0[0], $0[1])
            return fmod || m == 0 || (m < 0) == ($0[1] < 0) ? m : m + $0[1]
        }
        return .float(Variable.withoutGradient(try r.graphValue.variable("Mod").value, [x, y], operation: "Mod"))
    }

    private func integer(_ x: IntegerTensor, _ y: IntegerTensor) throws -> IntegerTensor {
        let shape = try NumericTensor.broadcastShape([x.shape, y.shape])
        let xi = try NumericTensor.broadcastSources(from: x.shape, to: shape)
        let yi = try NumericTensor.broadcastSources(from: y.shape, to: shape)
        let n = shape.reduce(1, *)
        let values: [Int] = try (0..<n).map { i in
            let p = x.values[xi[i]], q = y.values[yi[i]]
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
    /// Bounds given as attributes (opsets before 11).
    public let minAttribute: Float?, maxAttribute: Float?
    public init(minAttribute: Float? = nil, maxAttribute: Float? = nil) {
        self.minAttribute = minAttribute; self.maxAttribute = maxAttribute
    }
    public var channelFlow: ChannelFlow { .elementwise }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let v = try input(inputs, 0, "input")
        func bound(_ i: Int) throws -> Float? {
            if i == 1, let minAttribute { return minAttribute }
            if i == 2, let maxAttribute { return maxAttribute }
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
            // Float bounds on integers: ±∞ (opset 6's defaults) and huge values saturate.
            func integer(_ f: Float) -> Int { f.isNaN ? 0 : (f >= 9.2e18 ? .max : (f <= -9.2e18 ? .min : Int(f))) }
            return [.integer(try IntegerTensor(shape: t.shape, values: t.values.map { x in
                var y = x
                if let lo { y = Swift.max(y, integer(lo)) }
                if let hi { y = Swift.min(y, integer(hi)) }
                return y
            }))]
        }
        var y = try v.variable("input")
        if let lo { y = (y - lo).relu() + lo }          // max(x, lo)
        if let hi { y = hi - (hi - y).relu() }          // min(x, hi)
        return [.float(y)]
    }
}

/// An ONNX element type as far as Prune's two value kinds need it: floats (rounded to the
/// precision of the target type) or integers (wrapped to the target width; booleans are 0 or 1).
public enum CastTarget: Sendable, Equatable {
    case float32, float16, bfloat16
    case integer(bits: Int, signed: Bool)
    case bool

    /// The target of ONNX `TensorProto.DataType` code `code`, or nil (strings, complex, 8-bit floats).
    public init?(onnxType code: Int) {
        switch code {
        case 1, 11: self = .float32
        case 10: self = .float16
        case 16: self = .bfloat16
        case 2: self = .integer(bits: 8, signed: false)
        case 3: self = .integer(bits: 8, signed: true)
        case 4: self = .integer(bits: 16, signed: false)
        case 5: self = .integer(bits: 16, signed: true)
        case 6: self = .integer(bits: 32, signed: true)
        case 7: self = .integer(bits: 64, signed: true)
        case 12: self = .integer(bits: 32, signed: false)
        case 13: self = .integer(bits: 64, signed: false)
        case 9: self = .bool
        default: return nil
        }
    }

    var isFloat: Bool { [.float32, .float16, .bfloat16].contains(self) }

    /// `x` rounded to the nearest value of the target float type (ties to even).
    func round(_ x: Float) -> Float {
        guard x.isFinite, x != 0 else { return x }
        switch self {
        case .bfloat16:
            let bits = x.bitPattern
            return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
        case .float16:
            if Swift.abs(x) >= 65520 { return x > 0 ? .infinity : -.infinity }
            let quantum = Float(sign: .plus, exponent: Swift.max(Int(x.exponent), -14) - 10, significand: 1)
            return (x / quantum).rounded(.toNearestOrEven) * quantum
        default: return x
        }
    }

    /// `v` wrapped to the target integer width (two's complement), or 0/1 for booleans.
    func wrap(_ v: Int) -> Int {
        switch self {
        case .bool: return v != 0 ? 1 : 0
        case .integer(let bits, let signed) where bits < 64:
            let m = v & ((1 << bits) - 1)
            return signed && m >= 1 << (bits - 1) ? m - (1 << bits) : m
        default: return v
        }
    }
}

/// Cast between element types: floats to integers truncate toward zero; floats to float16 or
/// bfloat16 round to that precision (and stay Float); integers wrap to the target width.
public struct CastOperator: GraphOperator {
    public let target: CastTarget
    public init(to target: CastTarget) { self.target = target }
    public init(toInteger: Bool) { target = toInteger ? .integer(bits: 64, signed: true) : .float32 }
    public var toInteger: Bool { !target.isFloat }
    public var channelFlow: ChannelFlow { .elementwise }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let v = try input(inputs, 0, "input")
        switch (v, target.isFloat) {
        case (.float(let x), false):
            if target == .bool { return [.integer(try IntegerTensor(shape: x.shape,
                                                                    values: x.value.scalars.map { $0 != 0 ? 1 : 0 }))] }
            guard x.value.scalars.allSatisfy({ $0.isFinite && Swift.abs($0) < 9e15 }) else { throw GraphError.invalidValue("cannot cast NaN, infinite or huge values to integers") }
            return [.integer(try IntegerTensor(shape: x.shape,
                                               values: x.value.scalars.map { target.wrap(Int($0.rounded(.towardZero))) }))]
        case (.integer(let t), false):
            return [.integer(try IntegerTensor(shape: t.shape, values: t.values.map(target.wrap)))]
        case (.integer(let t), true):
            return [.float(Variable(Tensor(unchecked: t.shape, t.values.map { target.round(Float($0)) })))]
        case (.float(let x), true):
            guard target != .float32 else { return [v] }
            return [.float(x.elementwise(x.value.map(target.round), derivative: { _, _ in 1 }))]
        }
    }
}

/// CastLike: casts the first input to the kind (float or integer) of the second.
public struct CastLikeOperator: GraphOperator {
    /// The second input's element type when the model declares it.
    public let declared: CastTarget?
    public init(declared: CastTarget? = nil) { self.declared = declared }
    public var channelFlow: ChannelFlow { .elementwise }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        if let declared { return try CastOperator(to: declared).run([try input(inputs, 0, "input")]) }
        let target = try input(inputs, 1, "target_type")
        return try CastOperator(toInteger: target.isInteger).run([try input(inputs, 0, "input")])
    }
}
