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
    /// `tf_crop_and_resize`: where the region of interest is (starts then ends, normalized), and the
    /// value of output positions whose source falls outside the input.
    public let roiInput: Int?
    public let extrapolationValue: Float

    public init(mode: Mode, coordinates: String, nearestMode: String, cubicA: Float, excludeOutside: Bool,
                scalesInput: Int, sizesInput: Int?, scalesAttribute: [Float]? = nil, axes: [Int]? = nil,
                roiInput: Int? = nil, extrapolationValue: Float = 0) {
        self.mode = mode; self.coordinates = coordinates; self.nearestMode = nearestMode; self.cubicA = cubicA
        self.excludeOutside = excludeOutside; self.scalesInput = scalesInput; self.sizesInput = sizesInput
        self.scalesAttribute = scalesAttribute; self.axes = axes
        self.roiInput = roiInput; self.extrapolationValue = extrapolationValue
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
        let roi = try regionOfInterest(inputs, axes: axes, rank: rank)
        var y = x
        for a in 0..<rank where sizes[a] != x.shape[a] || scales[a] != 1 || roi.map({ $0[a] != (0, 1) }) ?? false {
            y = try resample(y, axis: a, size: sizes[a], scale: scales[a], roi: roi?[a])
        }
        return [.float(y)]
    }

    /// `tf_crop_and_resize`'s region per axis (start, end), (0, 1) for axes it does not name; nil otherwise.
    func regionOfInterest(_ inputs: [GraphValue?], axes: [Int], rank: Int) throws -> [(Double, Double)]? {
        guard coordinates == "tf_crop_and_resize" else { return nil }
        let roiValue = roiInput.flatMap { $0 < inputs.count ? inputs[$0] : nil }
        let given = try roiValue.map { try NumericTensor($0).values } ?? []
        guard given.count == 2 * axes.count else {
            throw GraphError.invalidValue(
                "Resize tf_crop_and_resize needs \(2 * axes.count) roi values, got \(given.count)")
        }
        var roi = [(Double, Double)](repeating: (0, 1), count: rank)
        for (k, a) in axes.enumerated() { roi[a] = (given[k], given[axes.count + k]) }
        return roi
    }

    func sizesGiven(_ inputs: [GraphValue?]) throws -> [Int]? {
        guard let i = sizesInput, i < inputs.count, let v = inputs[i], v.shape.reduce(1, *) > 0 else { return nil }
        return try v.integers("sizes").values
    }

    /// One axis resampled to `size` positions (positions whose source is outside the region of
    /// interest take the extrapolation value).
    func resample(_ x: Variable, axis a: Int, size: Int, scale: Double, roi: (Double, Double)?) throws -> Variable {
        let n = x.shape[a]
        let found = (0..<size).map { self.taps(output: $0, inputSize: n, outputSize: size, scale: scale, roi: roi) }
        let taps = found.map { $0 ?? [] }
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
        if found.contains(where: { $0 == nil }) {
            let fill = Variable(Tensor(unchecked: weightShape, found.map { $0 == nil ? extrapolationValue : 0 }))
            if let sum = total { total = try sum + fill } else {
                // Every position outside: the output is the fill alone, broadcast to its shape.
                total = try fill + Variable(Tensor.zeros(outShape))
            }
        }
        return total ?? x
    }

    /// The input positions and weights output position `i` reads; nil when its source is outside the
    /// input (`tf_crop_and_resize`).
    func taps(output i: Int, inputSize n: Int, outputSize: Int, scale: Double,
              roi: (Double, Double)? = nil) -> [(index: Int, weight: Double)]? {
        let xOriginal = sourceCoordinate(Double(i), inputSize: n, outputSize: outputSize, scale: scale, roi: roi)
        if roi != nil && (xOriginal < 0 || xOriginal > Double(n - 1)) { return nil }
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

    func sourceCoordinate(_ x: Double, inputSize n: Int, outputSize: Int, scale: Double,
                          roi: (Double, Double)?) -> Double {
        let outputWidth = scale * Double(n)
        switch coordinates {
        case "align_corners": return outputWidth == 1 ? 0 : x * Double(n - 1) / (outputWidth - 1)
        case "asymmetric": return x / scale
        case "pytorch_half_pixel": return outputWidth == 1 ? -0.5 : (x + 0.5) / scale - 0.5
        case "tf_half_pixel_for_nn": return (x + 0.5) / scale
        case "half_pixel_symmetric":
            let offset = Double(n) / 2 * (1 - Double(outputSize) / outputWidth)
            return offset + (x + 0.5) / scale - 0.5
        case "tf_crop_and_resize":
            let (start, end) = roi ?? (0, 1)
            let span = outputWidth == 1 ? (end - start) * Double(n - 1) / 2
                : x * (end - start) * Double(n - 1) / (outputWidth - 1)
            return span + start * Double(n - 1)
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
