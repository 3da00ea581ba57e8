/// The values of a float or integer graph value read where they lie, as Doubles: the operand of elementwise loops
/// that are compiled once per kind of operand (a protocol, so each loop is specialized for its sources and reads
/// them without a copy or a branch per value).
protocol DoubleSource {
    subscript(_ i: Int) -> Double { get }
}

/// Float values read where they lie.
struct FloatValues: DoubleSource {
    let values: UnsafeBufferPointer<Float>
    @inline(__always) subscript(_ i: Int) -> Double { Double(values[i]) }
}

/// Integer values read where they lie.
struct IntegerValues: DoubleSource {
    let values: UnsafeBufferPointer<Int>
    @inline(__always) subscript(_ i: Int) -> Double { Double(values[i]) }
}

/// Receives the sources of one or two graph values: `visit` is called once with each source's concrete type, so
/// the loop it runs is specialized for them.
protocol DoubleSourceVisitor {
    associatedtype Result
    func visit<A: DoubleSource, B: DoubleSource>(_ a: A, _ b: B) throws -> Result
}

extension DoubleSourceVisitor {
    /// `visit(a, b)` with `first` and `second` read where they lie.
    func reading(_ first: GraphValue, _ second: GraphValue) throws -> Result {
        switch (first, second) {
        case (.float(let x), .float(let y)):
            return try x.value.scalars.withUnsafeBufferPointer { p in
                try y.value.scalars.withUnsafeBufferPointer { q in
                    try visit(FloatValues(values: p), FloatValues(values: q))
                }
            }
        case (.float(let x), .integer(let y)):
            return try x.value.scalars.withUnsafeBufferPointer { p in
                try y.values.withUnsafeBufferPointer { q in
                    try visit(FloatValues(values: p), IntegerValues(values: q))
                }
            }
        case (.integer(let x), .float(let y)):
            return try x.values.withUnsafeBufferPointer { p in
                try y.value.scalars.withUnsafeBufferPointer { q in
                    try visit(IntegerValues(values: p), FloatValues(values: q))
                }
            }
        case (.integer(let x), .integer(let y)):
            return try x.values.withUnsafeBufferPointer { p in
                try y.values.withUnsafeBufferPointer { q in
                    try visit(IntegerValues(values: p), IntegerValues(values: q))
                }
            }
        }
    }
}

/// Receives the source of one graph value, as ``DoubleSourceVisitor`` does two.
protocol SingleSourceVisitor {
    associatedtype Result
    func visit<A: DoubleSource>(_ a: A) throws -> Result
}

extension SingleSourceVisitor {
    /// `visit(a)` with `value` read where it lies.
    func reading(_ value: GraphValue) throws -> Result {
        switch value {
        case .float(let x): return try x.value.scalars.withUnsafeBufferPointer { try visit(FloatValues(values: $0)) }
        case .integer(let x): return try x.values.withUnsafeBufferPointer { try visit(IntegerValues(values: $0)) }
        }
    }
}
