/// A truth-valued elementwise test of one or two values (the second is 0 for an operator of one operand): the
/// ONNX comparisons and logic (Equal, Less, …, And, Or, Xor, Not, IsNaN, IsInf). Each test is its own type so
/// that the loop over a tensor (``truths(of:)``) is compiled for it, with the test inlined.
public protocol LogicTest: Sendable {
    func holds(_ a: Double, _ b: Double) -> Bool
    /// The test over `values` (one or two operands) with NumPy broadcasting: 1 where it holds, else 0. A
    /// requirement (with the one implementation below) so that a call on `any LogicTest` lands in the loop
    /// compiled for the concrete test.
    func truths(of values: [GraphValue]) throws -> GraphValue
}

extension LogicTest {
    /// Reads the operands where they lie, one broadcast run at a time.
    public func truths(of values: [GraphValue]) throws -> GraphValue {
        let shapes = values.map(\.shape), shape = try NumericTensor.broadcastShape(shapes)
        let runs = try BroadcastRuns(shape: shape, operands: shapes)
        let fill = TruthFill(test: self, runs: runs, count: shape.reduce(1, *), pair: values.count > 1)
        return .integer(try IntegerTensor(shape: shape, values: try fill.reading(values[0], values[values.count - 1])))
    }
}

/// The loop of ``LogicTest/truths(of:)`` for one kind of each operand.
private struct TruthFill<Test: LogicTest>: DoubleSourceVisitor {
    let test: Test, runs: BroadcastRuns, count: Int, pair: Bool

    func visit<A: DoubleSource, B: DoubleSource>(_ a: A, _ b: B) -> [Int] {
        [Int](unsafeUninitializedCapacity: count) { out, filled in
            runs.forEach { start, at, step, length in
                // Offsets in range by construction: wrapping arithmetic, no overflow checks.
                let (i0, s0) = (at[0], step[0]), (i1, s1) = pair ? (at[1], step[1]) : (0, 0)
                if !pair {
                    // A lone operand is the output's layout: its runs step through it one value at a time.
                    for j in 0..<length { out[start &+ j] = test.holds(a[i0 &+ j], 0) ? 1 : 0 }
                } else if s0 == 1 && s1 == 1 {
                    for j in 0..<length { out[start &+ j] = test.holds(a[i0 &+ j], b[i1 &+ j]) ? 1 : 0 }
                } else {
                    for j in 0..<length { out[start &+ j] = test.holds(a[i0 &+ j &* s0], b[i1 &+ j &* s1]) ? 1 : 0 }
                }
            }
            filled = count
        }
    }
}

/// ONNX Equal.
public struct EqualTest: LogicTest { @inline(__always) public func holds(_ a: Double, _ b: Double) -> Bool { a == b } }
/// ONNX Less.
public struct LessTest: LogicTest { @inline(__always) public func holds(_ a: Double, _ b: Double) -> Bool { a < b } }
/// ONNX LessOrEqual.
public struct LessOrEqualTest: LogicTest {
    @inline(__always) public func holds(_ a: Double, _ b: Double) -> Bool { a <= b }
}
/// ONNX Greater.
public struct GreaterTest: LogicTest { @inline(__always) public func holds(_ a: Double, _ b: Double) -> Bool { a > b } }
/// ONNX GreaterOrEqual.
public struct GreaterOrEqualTest: LogicTest {
    @inline(__always) public func holds(_ a: Double, _ b: Double) -> Bool { a >= b }
}
/// ONNX And (nonzero is true).
public struct AndTest: LogicTest {
    @inline(__always) public func holds(_ a: Double, _ b: Double) -> Bool { a != 0 && b != 0 }
}
/// ONNX Or (nonzero is true).
public struct OrTest: LogicTest {
    @inline(__always) public func holds(_ a: Double, _ b: Double) -> Bool { a != 0 || b != 0 }
}
/// ONNX Xor (nonzero is true).
public struct XorTest: LogicTest {
    @inline(__always) public func holds(_ a: Double, _ b: Double) -> Bool { (a != 0) != (b != 0) }
}
/// ONNX Not (of one operand).
public struct NotTest: LogicTest { @inline(__always) public func holds(_ a: Double, _ b: Double) -> Bool { a == 0 } }
/// ONNX IsNaN (of one operand).
public struct IsNaNTest: LogicTest { @inline(__always) public func holds(_ a: Double, _ b: Double) -> Bool { a.isNaN } }
/// ONNX IsInf (of one operand) with its attributes: which signs of infinity count.
public struct IsInfTest: LogicTest {
    public let positive: Bool, negative: Bool
    @inline(__always) public func holds(_ a: Double, _ b: Double) -> Bool {
        a.isInfinite && (a > 0 ? positive : negative)
    }
}
