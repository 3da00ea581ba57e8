import PruneAutodiff
import PruneTensor

/// Operators that only move, repeat or drop elements, each as a flat index map run by
/// ``GraphValue/gathered(_:shape:fill:)`` (differentiable on floats, exact on integers).
protocol IndexMapOperator: GraphOperator {
    /// The output shape and, for each output element, its source element (−1: the fill value).
    func indexMap(_ inputs: [GraphValue?], data: GraphValue) throws -> (shape: [Int], sources: [Int], fill: Double)
}

extension IndexMapOperator {
    public var channelFlow: ChannelFlow { .fixes }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let data = try input(inputs, 0, "data")
        let map = try indexMap(inputs, data: data)
        return [try data.gathered(map.sources, shape: map.shape, fill: map.fill)]
    }

    func integers(_ inputs: [GraphValue?], _ i: Int, _ what: String) throws -> [Int] {
        try input(inputs, i, what).integers(what).values
    }
}

/// Expand: broadcast the input to a shape (bidirectional, as NumPy).
public struct ExpandOperator: IndexMapOperator {
    public init() {}
    /// Broadcasting, as elementwise operators do: an axis the input already fills keeps its channels
    /// (a key/value head axis that `repeat_kv` repeats along a new axis).
    public var channelFlow: ChannelFlow { .elementwise }
    func indexMap(_ inputs: [GraphValue?], data: GraphValue) throws -> (shape: [Int], sources: [Int], fill: Double) {
        let target = try integers(inputs, 1, "shape")
        guard target.allSatisfy({ $0 >= 0 }) else {
            throw GraphError.invalidValue("Expand to a negative extent \(target)")
        }
        let shape = try NumericTensor.broadcastShape([data.shape, target])
        return (shape, try NumericTensor.broadcastSources(from: data.shape, to: shape), 0)
    }
}

/// Tile: repeat the input `repeats[d]` times along each axis d.
public struct TileOperator: IndexMapOperator {
    public init() {}
    func indexMap(_ inputs: [GraphValue?], data: GraphValue) throws -> (shape: [Int], sources: [Int], fill: Double) {
        let repeats = try integers(inputs, 1, "repeats"), inShape = data.shape
        guard repeats.count == inShape.count, repeats.allSatisfy({ $0 >= 0 }) else {
            throw GraphError.invalidValue("Tile repeats \(repeats) for an input of shape \(inShape)")
        }
        let shape = zip(inShape, repeats).map { $0 * $1 }, strides = NumericTensor.strides(inShape)
        let sources = try NumericTensor.separableSources(shape.indices.map { d in
            (0..<shape[d]).map { ($0 % inShape[d]) * strides[d] }
        })
        return (shape, sources, 0)
    }
}

/// Pad (constant, reflect, edge, wrap); negative pads crop. Pads and axes come from inputs
/// (opset 11+) or from the `pads` attribute (earlier opsets).
public struct PadOperator: IndexMapOperator {
    public enum Mode: String, Sendable { case constant, reflect, edge, wrap }
    public let mode: Mode
    public let padsAttribute: [Int]?
    public let valueAttribute: Float
    public init(mode: Mode, padsAttribute: [Int]? = nil, valueAttribute: Float = 0) {
        self.mode = mode; self.padsAttribute = padsAttribute; self.valueAttribute = valueAttribute
    }

    /// Examples stay apart unless the first axis is padded or cropped (Swin's and EfficientNet's exports pad the
    /// spatial axes).
    public func keepsExamplesApart(_ inputs: [GraphValue?], batched: [Bool]) -> Bool {
        Self.keepsExamplesApart(inputs, batched: batched) { rank in
            guard let (axes, begin, end) = try? padding(inputs, rank: rank) else { return nil }
            return axes.filter { begin[$0] != 0 || end[$0] != 0 }
        }
    }

    /// The padded axes (normalized; all when the node gives none) and each axis's pads at its beginning and
    /// end (0 on axes not listed), from the attribute or input 1 and the optional axes input 3.
    func padding(_ inputs: [GraphValue?], rank: Int) throws -> (axes: [Int], begin: [Int], end: [Int]) {
        let given = try padsAttribute ?? integers(inputs, 1, "pads")
        let axes = try optionalIntegers(inputs, 3, "axes")?.map { try normalizedAxis($0, rank: rank) }
            ?? Array(0..<rank)
        guard given.count == 2 * axes.count else {
            throw GraphError.invalidValue("Pad: \(given.count) pads for \(axes.count) axes")
        }
        var begin = [Int](repeating: 0, count: rank), end = begin
        for (k, a) in axes.enumerated() { begin[a] = given[k]; end[a] = given[k + axes.count] }
        return (axes, begin, end)
    }

    func indexMap(_ inputs: [GraphValue?], data: GraphValue) throws -> (shape: [Int], sources: [Int], fill: Double) {
        let inShape = data.shape, rank = inShape.count
        let (_, begin, end) = try padding(inputs, rank: rank)
        let shape = (0..<rank).map { inShape[$0] + begin[$0] + end[$0] }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw GraphError.invalidValue("Pad: pads \(begin) before and \(end) after crop more than \(inShape)")
        }
        var fill = Double(valueAttribute)
        if inputs.count > 2, let v = inputs[2] { fill = NumericTensor(v).values.first ?? 0 }
        if mode != .constant && inShape.contains(0) { throw GraphError.invalidValue("Pad \(mode) of an empty tensor") }
        let strides = NumericTensor.strides(inShape)
        let sources = try NumericTensor.separableSources((0..<rank).map { d in
            (0..<shape[d]).map { source($0 - begin[d], extent: inShape[d]).map { $0 * strides[d] } ?? -1 }
        })
        return (shape, sources, fill)
    }

    /// The input position that output position `i` (relative to the input's start) reads, or nil for the fill value.
    func source(_ i: Int, extent n: Int) -> Int? {
        if i >= 0 && i < n { return i }
        switch mode {
        case .constant: return nil
        case .edge: return Swift.min(Swift.max(i, 0), n - 1)
        case .wrap: return ((i % n) + n) % n
        case .reflect:
            guard n > 1 else { return 0 }
            let period = 2 * (n - 1), r = ((i % period) + period) % period
            return r < n ? r : period - r
        }
    }
}

/// Trilu: keep the upper (or lower) triangle of the last two axes from diagonal k; zero the rest.
public struct TriluOperator: IndexMapOperator {
    public let upper: Bool
    public init(upper: Bool) { self.upper = upper }
    func indexMap(_ inputs: [GraphValue?], data: GraphValue) throws -> (shape: [Int], sources: [Int], fill: Double) {
        let shape = data.shape
        guard shape.count >= 2 else { throw GraphError.invalidValue("Trilu needs rank ≥ 2, got \(shape)") }
        let k = try (inputs.count > 1 ? inputs[1]?.integers("k").values.first : nil) ?? 0
        var flat = -1
        let sources = try NumericTensor.mapIndices(shape) { o in
            flat += 1
            let d = o[o.count - 1] - o[o.count - 2]
            return (upper ? d >= k : d <= k) ? flat : -1
        }
        return (shape, sources, 0)
    }
}

/// GatherElements: `out[i][j][k] = data[index][j][k]` along `axis` (indices shaped like the output).
public struct GatherElementsOperator: IndexMapOperator {
    public let axis: Int
    public init(axis: Int) { self.axis = axis }
    func indexMap(_ inputs: [GraphValue?], data: GraphValue) throws -> (shape: [Int], sources: [Int], fill: Double) {
        let idx = try input(inputs, 1, "indices").integers("indices")
        guard idx.rank == data.shape.count else {
            throw GraphError.invalidValue("GatherElements: indices rank \(idx.rank)")
        }
        return (idx.shape, try NumericTensor.elementPositions(idx, in: data.shape, axis: axis), 0)
    }
}

/// GatherND: slices of data addressed by the last axis of indices, after `batchDims` shared batch axes.
public struct GatherNDOperator: IndexMapOperator {
    public let batchDims: Int
    public init(batchDims: Int) { self.batchDims = batchDims }
    func indexMap(_ inputs: [GraphValue?], data: GraphValue) throws -> (shape: [Int], sources: [Int], fill: Double) {
        let idx = try input(inputs, 1, "indices").integers("indices"), inShape = data.shape
        let q = idx.rank, b = batchDims
        guard q >= 1, let m = idx.shape.last, b >= 0, b < q, b + m <= inShape.count else {
            throw GraphError.invalidValue("GatherND: indices \(idx.shape) for data \(inShape), batch_dims \(b)")
        }
        let shape = Array(idx.shape[..<(q - 1)]) + Array(inShape[(b + m)...])
        let strides = NumericTensor.strides(inShape)
        let sources = try NumericTensor.mapIndices(shape) { o in
            let row = o[..<(q - 1)].indices.reduce(0) { $0 * idx.shape[$1] + o[$1] } * m
            var flat = (0..<b).reduce(0) { $0 + o[$1] * strides[$1] }
            for k in 0..<m {
                var j = idx.values[row + k]
                if j < 0 { j += inShape[b + k] }
                guard j >= 0, j < inShape[b + k] else { throw GraphError.invalidValue("GatherND index \(j)") }
                flat += j * strides[b + k]
            }
            for (k, d) in ((b + m)..<inShape.count).enumerated() { flat += o[q - 1 + k] * strides[d] }
            return flat
        }
        return (shape, sources, 0)
    }
}
