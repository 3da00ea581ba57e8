import PruneAutodiff
import PruneTensor

/// Elementwise comparisons and logic with NumPy broadcasting (Equal, Less, Greater, …, And, Or,
/// Xor, Not, IsNaN, IsInf, BitwiseX): booleans flow as integer tensors of 0 and 1, as attention
/// masks and position arithmetic in exported transformers need them. No gradient (the result is
/// not a float).
public struct LogicOperator: GraphOperator, Sendable {
    public let name: String
    public let arity: Int
    let function: @Sendable ([Double]) -> Double
    /// The same operator as a test of one or two values (the second is 0 for one operand), when its result
    /// is a truth value: the operands are then read where they are, without Double copies.
    let test: (@Sendable (Double, Double) -> Bool)?

    public init(_ name: String, arity: Int, _ function: @escaping @Sendable ([Double]) -> Double) {
        self.name = name; self.arity = arity; self.function = function; test = nil
    }

    /// A truth-valued operator from its test.
    public init(_ name: String, arity: Int, test: @escaping @Sendable (Double, Double) -> Bool) {
        self.name = name; self.arity = arity; self.test = test
        function = { LogicOperator.truth(test($0[0], $0.count > 1 ? $0[1] : 0)) }
    }
    public var channelFlow: ChannelFlow { .none }
    /// Elementwise: examples stay apart when the operands without them broadcast along them.
    public func keepsExamplesApart(_ inputs: [GraphValue?], batched: [Bool]) -> Bool {
        Self.broadcastsAlongExamples(inputs, batched: batched)
    }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let values = try (0..<arity).map { try input(inputs, $0, "operand \($0)") }
        if let test { return [try tested(values, test)] }
        let operands = values.map(NumericTensor.init)
        return [try NumericTensor.combine(operands, integerResult: true) { function($0) }.graphValue]
    }

    /// A truth-valued operator over its operands read where they are, one broadcast run at a time.
    private func tested(_ values: [GraphValue], _ test: (Double, Double) -> Bool) throws -> GraphValue {
        let shapes = values.map(\.shape), shape = try NumericTensor.broadcastShape(shapes)
        let a = ScalarReader(values[0]), b = ScalarReader(values[values.count - 1]), two = values.count > 1
        var out = [Int](repeating: 0, count: shape.reduce(1, *))
        try out.withUnsafeMutableBufferPointer { o in
            try BroadcastRuns(shape: shape, operands: shapes).forEach { start, at, step, count in
                let (i0, s0) = (at[0], step[0]), (i1, s1) = two ? (at[1], step[1]) : (0, 0)
                for j in 0..<count { o[start + j] = test(a[i0 + j * s0], two ? b[i1 + j * s1] : 0) ? 1 : 0 }
            }
        }
        return .integer(try IntegerTensor(shape: shape, values: out))
    }

    static func truth(_ b: Bool) -> Double { b ? 1 : 0 }

    /// The operators without attributes, by ONNX name.
    public static let catalog: [String: LogicOperator] = {
        let list: [LogicOperator] = [
            .init("Equal", arity: 2) { $0 == $1 },
            .init("Less", arity: 2) { $0 < $1 },
            .init("LessOrEqual", arity: 2) { $0 <= $1 },
            .init("Greater", arity: 2) { $0 > $1 },
            .init("GreaterOrEqual", arity: 2) { $0 >= $1 },
            .init("And", arity: 2) { $0 != 0 && $1 != 0 },
            .init("Or", arity: 2) { $0 != 0 || $1 != 0 },
            .init("Xor", arity: 2) { ($0 != 0) != ($1 != 0) },
            .init("Not", arity: 1) { x, _ in x == 0 },
            .init("IsNaN", arity: 1) { x, _ in x.isNaN },
            .init("BitwiseAnd", arity: 2) { Double(saturatingInt($0[0]) & saturatingInt($0[1])) },
            .init("BitwiseOr", arity: 2) { Double(saturatingInt($0[0]) | saturatingInt($0[1])) },
            .init("BitwiseXor", arity: 2) { Double(saturatingInt($0[0]) ^ saturatingInt($0[1])) },
            .init("BitwiseNot", arity: 1) { Double(~saturatingInt($0[0])) },
        ]
        return Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
    }()

    /// IsInf with its attributes.
    public static func isInf(positive: Bool, negative: Bool) -> LogicOperator {
        LogicOperator("IsInf", arity: 1) { x, _ in x.isInfinite && (x > 0 ? positive : negative) }
    }
}

/// A float or integer tensor's values read as Doubles where they are.
struct ScalarReader {
    let floats: [Float]?, integers: [Int]

    init(_ v: GraphValue) {
        switch v {
        case .float(let x): floats = x.value.scalars; integers = []
        case .integer(let t): floats = nil; integers = t.values
        }
    }

    subscript(i: Int) -> Double {
        if let floats { return Double(floats[i]) }
        return Double(integers[i])
    }
}

/// `Where(condition, X, Y)` with broadcasting: differentiable in X and Y when they are floats.
public struct WhereOperator: GraphOperator {
    public init() {}
    public var channelFlow: ChannelFlow { .elementwise }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let c = NumericTensor(try input(inputs, 0, "condition"))
        let x = try input(inputs, 1, "X"), y = try input(inputs, 2, "Y")
        if x.isInteger || y.isInteger {
            let r = try NumericTensor.combine([c, NumericTensor(x), NumericTensor(y)],
                                              integerResult: x.isInteger && y.isInteger) { $0[0] != 0 ? $0[1] : $0[2] }
            return [r.graphValue]
        }
        let shape = try NumericTensor.broadcastShape([c.shape, x.shape, y.shape])
        if case .float(let xv) = x, case .float(let yv) = y,
           !(GradMode.isEnabled && (xv.requiresGrad || yv.requiresGrad)) {
            return [.float(Variable(try Self.select(c, xv.value, yv.value, shape: shape)))]
        }
        let cond = try NumericTensor.broadcastSources(from: c.shape, to: shape).map { Float(c.values[$0] != 0 ? 1 : 0) }
        let xb = try x.broadcast(to: shape), yb = try y.broadcast(to: shape)
        return [.float(try Variable.select(Tensor(unchecked: shape, cond), try xb.variable("X"), try yb.variable("Y")))]
    }
}

extension WhereOperator {
    /// condition ? x : y broadcast to `shape`, without a gradient to record: one pass over runs of the last axis.
    static func select(_ c: NumericTensor, _ x: Tensor, _ y: Tensor, shape: [Int]) throws -> Tensor {
        let runs = try BroadcastRuns(shape: shape, operands: [c.shape, x.shape, y.shape])
        let n = shape.reduce(1, *)
        let out = [Float](unsafeUninitializedCapacity: n) { buf, filled in
            x.scalars.withUnsafeBufferPointer { xp in
                y.scalars.withUnsafeBufferPointer { yp in
                    c.values.withUnsafeBufferPointer { cp in
                        runs.forEach { start, o, s, count in
                            for j in 0..<count {
                                buf[start + j] = cp[o[0] + j * s[0]] != 0 ? xp[o[1] + j * s[1]] : yp[o[2] + j * s[2]]
                            }
                        }
                    }
                }
            }
            filled = n
        }
        return Tensor(unchecked: shape, out)
    }
}

/// Max, Min, Sum and Mean of any number of inputs with broadcasting (differentiable on floats).
public struct VariadicOperator: GraphOperator {
    public enum Kind: Sendable { case max, min, sum, mean }
    public let kind: Kind
    public init(_ kind: Kind) { self.kind = kind }
    public var channelFlow: ChannelFlow { .elementwise }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let parts = inputs.compactMap { $0 }
        guard !parts.isEmpty else { throw GraphError.invalidValue("\(kind) of no inputs") }
        if parts.contains(where: \.isInteger) { return [try integerResult(parts)] }
        var acc = try parts[0].variable("input 0")
        for (i, p) in parts.enumerated().dropFirst() {
            let v = try p.variable("input \(i)")
            switch kind {
            case .max: acc = try Variable.maximum(acc, v)
            case .min: acc = try Variable.maximum(acc * -1, v * -1) * -1
            case .sum, .mean: acc = try acc + v
            }
        }
        if kind == .mean { acc = acc / Float(parts.count) }
        // A single input still takes the broadcast shape of itself: nothing to do.
        return [.float(acc)]
    }

    private func integerResult(_ parts: [GraphValue]) throws -> GraphValue {
        let operands = parts.map(NumericTensor.init)
        let allIntegers = !parts.contains { !$0.isInteger }
        return try NumericTensor.combine(operands, integerResult: allIntegers) { v in
            switch kind {
            case .max: return v.max()!
            case .min: return v.min()!
            case .sum: return v.reduce(0, +)
            case .mean: return allIntegers ? (v.reduce(0, +) / Double(v.count)).rounded(.towardZero)
                                           : v.reduce(0, +) / Double(v.count)
            }
        }.graphValue
    }
}
