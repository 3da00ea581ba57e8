import PruneAutodiff
import PruneTensor

/// Normalizes a possibly negative axis.
func normalizedAxis(_ axis: Int, rank: Int) throws -> Int {
    let a = axis < 0 ? axis + rank : axis
    guard a >= 0 && a < rank else { throw GraphError.invalidValue("axis \(axis) is out of range for rank \(rank)") }
    return a
}

/// Concat along an axis (floats, or 1-D integer shape vectors).
public struct ConcatOperator: GraphOperator {
    public let axis: Int
    public init(axis: Int) { self.axis = axis }
    public var channelFlow: ChannelFlow { .concatenates(axis: axis) }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let parts = inputs.compactMap { $0 }
        guard !parts.isEmpty else { throw GraphError.invalidValue("Concat of nothing") }
        if parts.allSatisfy(\.isInteger) { return [try integerConcat(parts.map { try $0.integers("input") })] }
        let vars = try parts.map { try $0.variable("input") }
        return [.float(try Variable.concat(vars, axis: try normalizedAxis(axis, rank: vars[0].shape.count)))]
    }
}

extension ConcatOperator {
    /// Concat of integer tensors of any rank (shape arithmetic, position ids).
    func integerConcat(_ parts: [IntegerTensor]) throws -> GraphValue {
        let rank = parts[0].rank
        if rank == 0 { throw GraphError.invalidValue("Concat of scalars") }
        let a = try normalizedAxis(axis, rank: rank)
        guard parts.allSatisfy({ $0.rank == rank && $0.shape.enumerated().allSatisfy { $0.offset == a || $0.element == parts[0].shape[$0.offset] } }) else {
            throw GraphError.invalidValue("Concat of shapes \(parts.map(\.shape)) along axis \(axis)")
        }
        var shape = parts[0].shape
        shape[a] = parts.map { $0.shape[a] }.reduce(0, +)
        let outer = shape[..<a].reduce(1, *)
        var values: [Int] = []
        values.reserveCapacity(shape.reduce(1, *))
        for o in 0..<outer {
            for p in parts {
                let chunk = p.shape[a...].reduce(1, *)
                values += p.values[(o * chunk)..<((o + 1) * chunk)]
            }
        }
        return .integer(try IntegerTensor(shape: shape, values: values))
    }
}

/// Split into `outputs` parts along an axis: sizes from the second input, or equal parts.
public struct SplitOperator: GraphOperator {
    public let axis: Int
    public let outputs: Int
    /// Sizes given as an attribute (opsets before 13).
    public let sizesAttribute: [Int]?
    public init(axis: Int, outputs: Int,
                sizesAttribute: [Int]? = nil) { self.axis = axis; self.outputs = outputs; self.sizesAttribute = sizesAttribute }
    public var channelFlow: ChannelFlow { .selects(axis: axis) }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = try input(inputs, 0, "input").variable("input")
        let a = try normalizedAxis(axis, rank: x.shape.count)
        let n = x.shape[a]
        var sizes = try sizesAttribute ?? (inputs.count > 1 ? inputs[1]?.integers("split").values : nil) ?? []
        if sizes.isEmpty {
            guard outputs > 0 else { throw GraphError.invalidValue("Split into no outputs") }
            let chunk = (n + outputs - 1) / outputs
            sizes = (0..<outputs).map { Swift.max(0, Swift.min(chunk, n - $0 * chunk)) }
        }
        guard sizes.allSatisfy({ $0 >= 0 && $0 <= n }), sizes.reduce(0, &+) == n else {
            throw GraphError.invalidValue("split sizes \(sizes) do not add up to \(n)")
        }
        return try x.split(axis: a, sizes: sizes).map { .float($0) }
    }
}

/// Slice with starts, ends, axes and steps from inputs (ONNX clamping rules). Float tensors need step 1.
public struct SliceOperator: GraphOperator {
    /// Starts, ends and axes given as attributes (opsets before 10).
    public let attributes: (starts: [Int], ends: [Int], axes: [Int]?)?
    public init(attributes: (starts: [Int], ends: [Int], axes: [Int]?)? = nil) { self.attributes = attributes }
    public var channelFlow: ChannelFlow { .selects(axis: -1) }
    /// Examples stay apart unless the first axis is sliced (the axes given, or the first `starts.count` axes
    /// when none are).
    public func keepsExamplesApart(_ inputs: [GraphValue?], batched: [Bool]) -> Bool {
        Self.keepsExamplesApart(inputs, batched: batched) { _ in
            if let attributes { return attributes.axes ?? Array(0..<attributes.starts.count) }
            if inputs.count > 3, inputs[3] != nil { return try? optionalIntegers(inputs, 3, "axes") }
            return inputs.count > 1 ? inputs[1].map { Array(0..<$0.shape.reduce(1, *)) } : nil
        }
    }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let v = try input(inputs, 0, "data")
        if let attributes {
            let given: [GraphValue?] = [v, .integer(IntegerTensor(attributes.starts)),
                                        .integer(IntegerTensor(attributes.ends)),
                                        attributes.axes.map { .integer(IntegerTensor($0)) }]
            return try SliceOperator().run(given)
        }
        let starts = try input(inputs, 1, "starts").integers("starts").values
        let ends = try input(inputs, 2, "ends").integers("ends").values
        let rank = v.shape.count
        let axes = try optionalIntegers(inputs, 3, "axes") ?? Array(0..<starts.count)
        let steps = try optionalIntegers(inputs, 4, "steps") ?? Array(repeating: 1, count: starts.count)
        guard starts.count == ends.count, axes.count == starts.count, steps.count == starts.count else {
            throw GraphError.invalidValue("starts, ends, axes and steps must have equal lengths")
        }
        var current = v
        for i in 0..<axes.count {
            let a = try normalizedAxis(axes[i], rank: rank), n = current.shape[a], step = steps[i]
            guard step != 0 else { throw GraphError.invalidValue("Slice step 0") }
            func bound(_ x: Int, _ lo: Int, _ hi: Int) -> Int { Swift.min(Swift.max(x < 0 ? x + n : x, lo), hi) }
            let s = step > 0 ? bound(starts[i], 0, n) : bound(starts[i], 0, n - 1)
            let e = step > 0 ? bound(ends[i], 0, n) : bound(ends[i], -1, n - 1)
            let picked = n == 0 ? [] : Array(stride(from: s, to: e, by: step))
            switch current {
            case .float(let x):
                if step == 1 { current = .float(try x.slice(axis: a, start: s, end: Swift.max(s, e))) }
                else { current = .float(try x.gather(axis: a, indices: picked)) }
            case .integer:
                var shape = current.shape
                shape[a] = picked.count
                let strides = NumericTensor.strides(current.shape)
                let sources = try NumericTensor.mapIndices(shape) { o in
                    o.indices.reduce(0) { $0 + ($1 == a ? picked[o[$1]] : o[$1]) * strides[$1] }
                }
                current = try current.gathered(sources, shape: shape)
            }
        }
        return [current]
    }
}

/// Gather along an axis with integer indices (output: data[:axis] + indices.shape + data[axis+1:]).
public struct GatherOperator: GraphOperator {
    public let axis: Int
    public init(axis: Int) { self.axis = axis }
    public var channelFlow: ChannelFlow { .selects(axis: axis) }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let data = try input(inputs, 0, "data")
        let idx = try input(inputs, 1, "indices").integers("indices")
        let a = try normalizedAxis(axis, rank: data.shape.count), n = data.shape[a]
        let flat = try idx.values.map { i -> Int in
            let j = i < 0 ? i + n : i
            guard j >= 0 && j < n else { throw GraphError.invalidValue("index \(i) is out of range for extent \(n)") }
            return j
        }
        let outShape = Array(data.shape[..<a]) + idx.shape + Array(data.shape[(a + 1)...])
        switch data {
        case .float(let x): return [.float(try x.gather(axis: a, indices: flat).reshaped(outShape))]
        case .integer:
            let strides = NumericTensor.strides(data.shape), k = idx.rank
            let sources = try NumericTensor.mapIndices(outShape) { o in
                let position = o[a..<(a + k)].indices.reduce(0) { $0 * idx.shape[$1 - a] + o[$1] }
                var source = flat[position] * strides[a]
                for d in 0..<a { source += o[d] * strides[d] }
                for d in (a + 1)..<Swift.max(data.shape.count, a + 1) { source += o[d - 1 + k] * strides[d] }
                return source
            }
            return [try data.gathered(sources, shape: outShape)]
        }
    }
}
