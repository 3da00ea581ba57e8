import Foundation
import PruneAutodiff
import PruneTensor

/// Resize (and Upsample) by nearest, linear or cubic interpolation, one axis after another:
/// each output position of an axis reads a few input positions (taps) with fixed weights, so the
/// result is a sum of index-mapped copies times constants and is differentiable in the input.
/// The coordinate transformations and tap rules follow the ONNX reference implementation.
public struct ResizeOperator: GraphOperator {
    public enum Mode: String, Sendable { case nearest, linear, cubic }
    public let mode: Mode
    public let coordinates: String
    public let nearestMode: String
    public let cubicA: Float
    public let excludeOutside: Bool
    /// Where the scales and sizes inputs are (opset 10: scales at 1; 11+: scales at 2, sizes at 3).
    public let scalesInput: Int, sizesInput: Int?
    /// Scales given as an attribute (Upsample before opset 9).
    public let scalesAttribute: [Float]?
    /// The axes the scales or sizes refer to (opset 18), all axes when nil.
    public let axes: [Int]?

    public init(mode: Mode, coordinates: String, nearestMode: String, cubicA: Float, excludeOutside: Bool,
                scalesInput: Int, sizesInput: Int?, scalesAttribute: [Float]? = nil, axes: [Int]? = nil) {
        self.mode = mode; self.coordinates = coordinates; self.nearestMode = nearestMode; self.cubicA = cubicA
        self.excludeOutside = excludeOutside; self.scalesInput = scalesInput; self.sizesInput = sizesInput
        self.scalesAttribute = scalesAttribute; self.axes = axes
    }
    public var channelFlow: ChannelFlow { .reduces(axes: [], keepDims: true) }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = try input(inputs, 0, "X").variable("X"), rank = x.shape.count
        let axes = try (self.axes ?? Array(0..<rank)).map { try normalizedAxis($0, rank: rank) }
        var scales = [Double](repeating: 1, count: rank), sizes = x.shape
        if let given = try sizesGiven(inputs) {
            guard given.count == axes.count else {
                throw GraphError.invalidValue("Resize: \(given.count) sizes for \(axes.count) axes")
            }
            for (k, a) in axes.enumerated() { sizes[a] = given[k]; scales[a] = Double(given[k]) / Double(x.shape[a]) }
        } else {
            let given = try scalesAttribute.map { $0.map(Double.init) }
                ?? (scalesInput < inputs.count ? inputs[scalesInput].map { NumericTensor($0).values } : nil) ?? []
            guard given.count == axes.count, given.allSatisfy({ $0 > 0 }) else {
                throw GraphError.invalidValue("Resize needs \(axes.count) positive scales or sizes, got \(given)")
            }
            for (k, a) in axes.enumerated() {
                scales[a] = given[k]
                sizes[a] = saturatingInt((Double(x.shape[a]) * given[k]).rounded(.down))
            }
        }
        try NumericTensor.checkBudget(sizes)
        var y = x
        for a in 0..<rank where sizes[a] != x.shape[a] || scales[a] != 1 {
            y = try resample(y, axis: a, size: sizes[a], scale: scales[a])
        }
        return [.float(y)]
    }

    func sizesGiven(_ inputs: [GraphValue?]) throws -> [Int]? {
        guard let i = sizesInput, i < inputs.count, let v = inputs[i], v.shape.reduce(1, *) > 0 else { return nil }
        return try v.integers("sizes").values
    }

    /// One axis resampled to `size` positions.
    func resample(_ x: Variable, axis a: Int, size: Int, scale: Double) throws -> Variable {
        let n = x.shape[a]
        let taps = (0..<size).map { self.taps(output: $0, inputSize: n, outputSize: size, scale: scale) }
        let count = taps.map(\.count).max() ?? 0
        var outShape = x.shape
        outShape[a] = size
        let strides = NumericTensor.strides(x.shape)
        var weightShape = [Int](repeating: 1, count: x.shape.count)
        weightShape[a] = size
        var total: Variable?
        for t in 0..<count {
            let index = taps.map { t < $0.count ? $0[t].index : 0 }
            let weight = taps.map { t < $0.count ? Float($0[t].weight) : 0 }
            let sources = try NumericTensor.mapIndices(outShape) { o in
                o.indices.reduce(0) { $0 + ($1 == a ? index[o[$1]] : o[$1]) * strides[$1] }
            }
            let term = try x.gathered(sources, shape: outShape) * Variable(Tensor(unchecked: weightShape, weight))
            total = try total.map { try $0 + term } ?? term
        }
        return total ?? x
    }

    /// The input positions and weights output position `i` reads.
    func taps(output i: Int, inputSize n: Int, outputSize: Int, scale: Double) -> [(index: Int, weight: Double)] {
        let xOriginal = sourceCoordinate(Double(i), inputSize: n, scale: scale)
        let x0 = saturatingInt(xOriginal.rounded(.down))
        let ratio = xOriginal == xOriginal.rounded(.down) ? 1.0 : xOriginal - Double(x0)
        let base: Int, coefficients: [Double]
        switch mode {
        case .nearest:
            let up: Bool
            switch nearestMode {
            case "round_prefer_ceil": up = ratio >= 0.5
            case "floor": up = ratio == 1
            case "ceil": up = true
            default: up = ratio > 0.5
            }
            base = ratio == 1 ? x0 - 1 : x0; coefficients = up ? [0, 1] : [1, 0]
        case .linear: base = ratio == 1 ? x0 - 1 : x0; coefficients = [1 - ratio, ratio]
        case .cubic: base = ratio == 1 ? x0 - 2 : x0 - 1; coefficients = cubic(ratio)
        }
        var taps = coefficients.enumerated().map { (index: base + $0.offset, weight: $0.element) }
        if excludeOutside {
            for k in taps.indices where taps[k].index < 0 || taps[k].index >= n { taps[k].weight = 0 }
            let sum = taps.map(\.weight).reduce(0, +)
            if sum != 0 { for k in taps.indices { taps[k].weight /= sum } }
        }
        return taps.map { (Swift.min(Swift.max($0.index, 0), n - 1), $0.weight) }
    }

    func sourceCoordinate(_ x: Double, inputSize n: Int, scale: Double) -> Double {
        let outputWidth = scale * Double(n)
        switch coordinates {
        case "align_corners": return outputWidth == 1 ? 0 : x * Double(n - 1) / (outputWidth - 1)
        case "asymmetric": return x / scale
        case "pytorch_half_pixel": return outputWidth == 1 ? -0.5 : (x + 0.5) / scale - 0.5
        default: return (x + 0.5) / scale - 0.5
        }
    }

    func cubic(_ r: Double) -> [Double] {
        let a = Double(cubicA), s = 1 - r
        return [((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
                ((a + 2) * r - (a + 3)) * r * r + 1,
                ((a + 2) * s - (a + 3)) * s * s + 1,
                ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a]
    }
}
