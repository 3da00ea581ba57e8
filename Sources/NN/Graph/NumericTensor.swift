import PruneAutodiff
import PruneTensor

/// `d` as an Int: NaN is 0, values beyond the Int range saturate (never a trap on hostile input).
func saturatingInt(_ d: Double) -> Int {
    d.isNaN ? 0 : (d >= 9.2e18 ? .max : (d <= -9.2e18 ? .min : Int(d)))
}

/// A graph value's elements as Doubles (exact for integers below 2^53) with its shape and kind,
/// for the operators that compute the same way on floats and integers without a gradient:
/// comparisons, logic, index and position arithmetic.
struct NumericTensor {
    var shape: [Int]
    var values: [Double]
    var isInteger: Bool

    init(shape: [Int], values: [Double], isInteger: Bool) {
        self.shape = shape; self.values = values; self.isInteger = isInteger
    }

    init(_ v: GraphValue) {
        switch v {
        case .float(let x): self.init(shape: x.shape, values: x.value.scalars.map { Double($0) }, isInteger: false)
        case .integer(let t): self.init(shape: t.shape, values: t.values.map { Double($0) }, isInteger: true)
        }
    }

    /// Back to a graph value: integers (wrapping huge or non-finite values to 0) or floats.
    var graphValue: GraphValue {
        if isInteger {
            let ints = values.map { $0.isFinite ? saturatingInt($0) : 0 }
            return .integer(try! IntegerTensor(shape: shape, values: ints))
        }
        return .float(Variable(Tensor(unchecked: shape, values.map { Float($0) })))
    }

    /// Row-major strides of a shape.
    static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { s[i] = s[i + 1] * shape[i + 1] }
        return s
    }

    /// Throws unless a tensor of `shape` (8 bytes an element) fits the memory budget.
    static func checkBudget(_ shape: [Int]) throws {
        do { try MemoryBudget.check(elements: CheckedSize.elements(shape), of: 8,
                                    for: "a tensor of shape \(shape)") } catch {
            throw GraphError.invalidValue("\(error)")
        }
    }

    /// The NumPy broadcast of several shapes.
    static func broadcastShape(_ shapes: [[Int]]) throws -> [Int] {
        let rank = shapes.map(\.count).max() ?? 0
        var out = [Int](repeating: 1, count: rank)
        for s in shapes {
            for (i, d) in s.enumerated() {
                let k = rank - s.count + i
                if out[k] == 1 { out[k] = d } else if d != 1 && d != out[k] {
                    throw GraphError.invalidValue("shapes \(shapes) do not broadcast")
                }
            }
        }
        return out
    }

    /// For each element of `target` (row-major), the flat index of the element of a tensor of
    /// `shape` that broadcasts to it.
    static func broadcastSources(from shape: [Int], to target: [Int]) throws -> [Int] {
        guard shape.count <= target.count else {
            throw GraphError.invalidValue("shape \(shape) does not broadcast to \(target)")
        }
        let padded = [Int](repeating: 1, count: target.count - shape.count) + shape
        for (d, t) in zip(padded, target) where d != t && d != 1 {
            throw GraphError.invalidValue("shape \(shape) does not broadcast to \(target)")
        }
        try checkBudget(target)
        let n = target.reduce(1, *)
        if padded == target { return Array(0..<n) }
        guard n > 0 else { return [] }
        // An odometer over the target that carries the source offset along (stride 0 on broadcast axes).
        let step = zip(padded, strides(padded)).map { $0.0 == 1 ? 0 : $0.1 }
        var index = [Int](repeating: 0, count: target.count), offset = 0
        return [Int](unsafeUninitializedCapacity: n) { out, filled in
            for i in 0..<n {
                out[i] = offset
                var k = target.count - 1
                while k >= 0 {
                    index[k] += 1; offset += step[k]
                    if index[k] < target[k] { break }
                    offset -= step[k] * target[k]; index[k] = 0; k -= 1
                }
            }
            filled = n
        }
    }

    /// `f` of every multi-index of `shape`, in row-major order. A shape beyond the memory budget
    /// (a hostile Expand, Tile, Pad or Resize target) is an error, not an allocation.
    static func mapIndices(_ shape: [Int], _ f: ([Int]) throws -> Int) throws -> [Int] {
        try checkBudget(shape)
        let n = shape.reduce(1, *)
        guard n > 0 else { return [] }
        var index = [Int](repeating: 0, count: shape.count), out: [Int] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            out.append(try f(index))
            var k = shape.count - 1
            while k >= 0 { index[k] += 1; if index[k] < shape[k] { break }; index[k] = 0; k -= 1 }
        }
        return out
    }

    /// The flat sources of an index map whose source is a sum of one term per output axis:
    /// `perAxis[d][i]` is what output position i on axis d adds (−1 there gives the fill value, −1).
    /// Built axis by axis, without a closure per element (Pad and Tile on images).
    static func separableSources(_ perAxis: [[Int]]) throws -> [Int] {
        try checkBudget(perAxis.map(\.count))
        var out = [0]
        for terms in perAxis {
            var next = [Int]()
            next.reserveCapacity(out.count * terms.count)
            for p in out {
                if p < 0 { next.append(contentsOf: repeatElement(-1, count: terms.count)); continue }
                for t in terms { next.append(t < 0 ? -1 : p + t) }
            }
            out = next
        }
        return out
    }

    /// Operands of `n` values each, element by element: the `k` operands' i-th values at `i·k ..< i·k + k` (one
    /// flat array the loop reads in order, instead of an array of arrays indexed per element).
    static func interleaved(_ values: [[Double]], _ n: Int) -> [Double] {
        let k = values.count
        var flat = [Double](repeating: 0, count: n * k)
        flat.withUnsafeMutableBufferPointer { f in
            for (j, v) in values.enumerated() {
                v.withUnsafeBufferPointer { p in for i in 0..<n { f[i * k + j] = p[i] } }
            }
        }
        return flat
    }

    /// Elementwise `f` over broadcast operands; the result is integer when `integerResult` says so.
    static func combine(_ operands: [NumericTensor], integerResult: Bool,
                        _ f: ([Double]) throws -> Double) throws -> NumericTensor {
        let shape = try broadcastShape(operands.map(\.shape))
        let n = shape.reduce(1, *), values = operands.map(\.values)
        var out = [Double](repeating: 0, count: n), arguments = [Double](repeating: 0, count: operands.count)
        if operands.allSatisfy({ $0.shape == shape }) {   // nothing broadcast: no index maps
            try interleaved(values, n).withUnsafeBufferPointer { rows in
                let k = values.count
                for i in 0..<n {
                    for j in 0..<k { arguments[j] = rows[i * k + j] }
                    out[i] = try f(arguments)
                }
            }
            return NumericTensor(shape: shape, values: out, isInteger: integerResult)
        }
        let maps = try operands.map { try broadcastSources(from: $0.shape, to: shape) }
        for i in 0..<n {
            for k in values.indices { arguments[k] = values[k][maps[k][i]] }
            out[i] = try f(arguments)
        }
        return NumericTensor(shape: shape, values: out, isInteger: integerResult)
    }
}

extension GraphValue {
    /// Elements picked by a flat index map (see ``Variable/gathered(_:shape:fill:)``): differentiable
    /// for floats; integers are copied.
    func gathered(_ sources: [Int], shape: [Int], fill: Double = 0) throws -> GraphValue {
        switch self {
        case .float(let x): return .float(try x.gathered(sources, shape: shape, fill: Float(fill)))
        case .integer(let t):
            guard sources.allSatisfy({ $0 < t.values.count }) else {
                throw GraphError.invalidValue("index out of range")
            }
            return .integer(try IntegerTensor(shape: shape, values: sources.map { $0 >= 0 ? t.values[$0] : Int(fill) }))
        }
    }

    var isInteger: Bool { if case .integer = self { return true }; return false }

    /// This value broadcast (NumPy rules) to `shape`: differentiable on floats.
    func broadcast(to shape: [Int]) throws -> GraphValue {
        try gathered(try NumericTensor.broadcastSources(from: self.shape, to: shape), shape: shape)
    }
}

extension NumericTensor {
    /// The result as a graph value; a float result computed from float inputs keeps them as
    /// parents, so backpropagating through `operation` is an error rather than a silent zero.
    func graphValue(from inputs: [GraphValue], operation: String) -> GraphValue {
        guard !isInteger else { return graphValue }
        let parents = inputs.compactMap { if case .float(let v) = $0 { return v }; return nil }
        let out = Tensor(unchecked: shape, values.map { Float($0) })
        return .float(parents.isEmpty ? Variable(out) : Variable.withoutGradient(out, parents, operation: operation))
    }

    /// The flat indices of the elements along `axis` for every position of the other axes:
    /// `lines[k]` lists the flat indices of line k in order.
    static func lines(of shape: [Int], axis: Int) throws -> [[Int]] {
        let strides = strides(shape), n = shape[axis]
        var outer = shape; outer[axis] = 1
        return try mapIndices(outer) { o in o.indices.reduce(0) { $0 + o[$1] * strides[$1] } }
            .map { start in (0..<n).map { start + $0 * strides[axis] } }
    }
}

extension NumericTensor {
    /// GatherElements and ScatterElements addressing: for each position of `indices` (whose rank is
    /// the data's), the flat data index with the `axis` coordinate replaced by the index found there
    /// (negative indices count from the end).
    static func elementPositions(_ indices: IntegerTensor, in shape: [Int], axis: Int) throws -> [Int] {
        let a = try normalizedAxis(axis, rank: shape.count), strides = strides(shape)
        let fits = indices.shape.indices.allSatisfy { $0 == a || indices.shape[$0] <= shape[$0] }
        guard indices.rank == shape.count, fits else {
            throw GraphError.invalidValue("indices of shape \(indices.shape) for data of shape \(shape)")
        }
        var k = -1
        return try mapIndices(indices.shape) { o in
            k += 1
            var j = indices.values[k]
            if j < 0 { j += shape[a] }
            guard j >= 0, j < shape[a] else {
                throw GraphError.invalidValue("index \(indices.values[k]) for extent \(shape[a])")
            }
            return o.indices.reduce(0) { $0 + ($1 == a ? j : o[$1]) * strides[$1] }
        }
    }
}
