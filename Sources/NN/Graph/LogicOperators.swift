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
    let test: (any LogicTest)?

    public init(_ name: String, arity: Int, _ function: @escaping @Sendable ([Double]) -> Double) {
        self.name = name; self.arity = arity; self.function = function; test = nil
    }

    /// A truth-valued operator from its test.
    public init(_ name: String, arity: Int, test: some LogicTest) {
        self.name = name; self.arity = arity; self.test = test
        function = { LogicOperator.truth(test.holds($0[0], $0.count > 1 ? $0[1] : 0)) }
    }
    public var channelFlow: ChannelFlow { .none }
    /// Elementwise: examples stay apart when the operands without them broadcast along them.
    public func keepsExamplesApart(_ inputs: [GraphValue?], batched: [Bool]) -> Bool {
        Self.broadcastsAlongExamples(inputs, batched: batched)
    }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let values = try (0..<arity).map { try input(inputs, $0, "operand \($0)") }
        if let test { return [try test.truths(of: values)] }
        let operands = values.map(NumericTensor.init)
        return [try NumericTensor.combine(operands, integerResult: true) { function($0) }.graphValue]
    }

    static func truth(_ b: Bool) -> Double { b ? 1 : 0 }

    /// The operators without attributes, by ONNX name.
    public static let catalog: [String: LogicOperator] = {
        let list: [LogicOperator] = [
            .init("Equal", arity: 2, test: EqualTest()),
            .init("Less", arity: 2, test: LessTest()),
            .init("LessOrEqual", arity: 2, test: LessOrEqualTest()),
            .init("Greater", arity: 2, test: GreaterTest()),
            .init("GreaterOrEqual", arity: 2, test: GreaterOrEqualTest()),
            .init("And", arity: 2, test: AndTest()),
            .init("Or", arity: 2, test: OrTest()),
            .init("Xor", arity: 2, test: XorTest()),
            .init("Not", arity: 1, test: NotTest()),
            .init("IsNaN", arity: 1, test: IsNaNTest()),
            .init("BitwiseAnd", arity: 2) { Double(saturatingInt($0[0]) & saturatingInt($0[1])) },
            .init("BitwiseOr", arity: 2) { Double(saturatingInt($0[0]) | saturatingInt($0[1])) },
            .init("BitwiseXor", arity: 2) { Double(saturatingInt($0[0]) ^ saturatingInt($0[1])) },
            .init("BitwiseNot", arity: 1) { Double(~saturatingInt($0[0])) },
        ]
        return Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
    }()

    /// IsInf with its attributes.
    public static func isInf(positive: Bool, negative: Bool) -> LogicOperator {
        LogicOperator("IsInf", arity: 1, test: IsInfTest(positive: positive, negative: negative))
    }
}

/// `Where(condition, X, Y)` with broadcasting: differentiable in X and Y when they are floats.
public struct WhereOperator: GraphOperator {
    public init() {}
    public var channelFlow: ChannelFlow { .elementwise }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let condition = try input(inputs, 0, "condition")
        let x = try input(inputs, 1, "X"), y = try input(inputs, 2, "Y")
        if x.isInteger || y.isInteger {
            let operands = [NumericTensor(condition), NumericTensor(x), NumericTensor(y)]
            let r = try NumericTensor.combine(operands, integerResult: x.isInteger && y.isInteger) {
                $0[0] != 0 ? $0[1] : $0[2]
            }
            return [r.graphValue]
        }
        let shape = try NumericTensor.broadcastShape([condition.shape, x.shape, y.shape])
        if case .float(let xv) = x, case .float(let yv) = y,
           !(GradMode.isEnabled && (xv.requiresGrad || yv.requiresGrad)) {
            let runs = try BroadcastRuns(shape: shape, operands: [condition.shape, x.shape, y.shape])
            let pick = Selection(x: xv.value, y: yv.value, runs: runs, count: shape.reduce(1, *))
            return [.float(Variable(Tensor(unchecked: shape, try pick.reading(condition))))]
        }
        let c = NumericTensor(condition)
        let cond = try NumericTensor.broadcastSources(from: c.shape, to: shape).map { Float(c.values[$0] != 0 ? 1 : 0) }
        let xb = try x.broadcast(to: shape), yb = try y.broadcast(to: shape)
        return [.float(try Variable.select(Tensor(unchecked: shape, cond), try xb.variable("X"), try yb.variable("Y")))]
    }
}

extension WhereOperator {
    /// condition ? x : y broadcast to the output, without a gradient to record: one pass over runs of the last
    /// axis, the condition read where it lies (integers or floats; nonzero is true).
    struct Selection: SingleSourceVisitor {
        let x: Tensor, y: Tensor, runs: BroadcastRuns, count: Int

        func visit<A: DoubleSource>(_ condition: A) -> [Float] {
            [Float](unsafeUninitializedCapacity: count) { buf, filled in
                x.scalars.withUnsafeBufferPointer { xp in
                    y.scalars.withUnsafeBufferPointer { yp in
                        runs.forEach { start, o, s, length in
                            pickRun(condition, o[0], s[0], xp.baseAddress! + o[1], s[1], yp.baseAddress! + o[2], s[2],
                                    buf.baseAddress! + start, length)
                        }
                    }
                }
                filled = count
            }
        }

        /// `out[j] = condition[c0 + j·cs] != 0 ? x[j·xs] : y[j·ys]` for j < n: one run of the last axis, with
        /// loops of their own for a contiguous condition and X and Y each contiguous or one value (the
        /// compiler vectorizes those). Offsets are in range by construction: wrapping arithmetic.
        @inline(__always)
        private func pickRun<A: DoubleSource>(_ condition: A, _ c0: Int, _ cs: Int, _ x: UnsafePointer<Float>,
                                              _ xs: Int, _ y: UnsafePointer<Float>, _ ys: Int,
                                              _ out: UnsafeMutablePointer<Float>, _ n: Int) {
            switch (cs, xs, ys) {
            case (1, 1, 1): for j in 0..<n { out[j] = condition[c0 &+ j] != 0 ? x[j] : y[j] }
            case (1, 0, 1): let v = x[0]; for j in 0..<n { out[j] = condition[c0 &+ j] != 0 ? v : y[j] }
            case (1, 1, 0): let v = y[0]; for j in 0..<n { out[j] = condition[c0 &+ j] != 0 ? x[j] : v }
            default:
                for j in 0..<n { out[j] = condition[c0 &+ j &* cs] != 0 ? x[j &* xs] : y[j &* ys] }
            }
        }
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
