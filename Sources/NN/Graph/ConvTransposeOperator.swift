import PruneAutodiff
import PruneTensor

/// ONNX ConvTranspose in one or two spatial dimensions: the transposed convolution of X by W
/// ([Cin, Cout/group, k…]) plus B, its output placed by `pads`, or by `output_shape` / `auto_pad`
/// (total padding = stride·(in − 1) + output_padding + dilation·(k − 1) + 1 − out, split as the
/// operator's definition says: SAME_UPPER puts the smaller half first, otherwise the larger half).
/// Its weight is a graph value: channels through it stay fixed for structured pruning.
public struct ConvTransposeOperator: GraphOperator {
    /// Spatial attributes, one entry per spatial axis (1 or 2); `pads` holds the starts then the ends.
    public struct Attributes: Sendable, Equatable {
        public var strides: [Int], dilations: [Int], outputPadding: [Int], group: Int
        public var pads: [Int]?, outputShape: [Int]?, autoPad: String
        public init(strides: [Int], dilations: [Int], outputPadding: [Int], group: Int, pads: [Int]?,
                    outputShape: [Int]?, autoPad: String) {
            self.strides = strides; self.dilations = dilations; self.outputPadding = outputPadding
            self.group = group; self.pads = pads; self.outputShape = outputShape; self.autoPad = autoPad
        }
    }
    public let attributes: Attributes
    public init(_ attributes: Attributes) { self.attributes = attributes }
    public var channelFlow: ChannelFlow { .fixes }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        var x = try input(inputs, 0, "X").variable("X"), w = try input(inputs, 1, "W").variable("W")
        let b = try inputs.count > 2 ? inputs[2]?.variable("B") : nil
        let spatial = x.shape.count - 2
        guard spatial == 1 || spatial == 2, w.shape.count == x.shape.count else {
            throw GraphError.invalidValue("ConvTranspose of X \(x.shape) by W \(w.shape): 1-D or 2-D only")
        }
        let a = attributes
        // Absent attributes take their defaults; a 1-D operator runs as 2-D with a height of 1.
        func twoD(_ v: [Int], _ fill: Int) -> [Int] {
            let given = v.isEmpty ? Array(repeating: fill, count: spatial) : v
            return spatial == 1 ? [fill] + given : given
        }
        guard [a.strides, a.dilations, a.outputPadding].allSatisfy({ $0.isEmpty || $0.count == spatial }),
              a.pads.map({ $0.count == 2 * spatial }) ?? true, a.outputShape.map({ $0.count >= spatial }) ?? true else {
            throw GraphError.invalidValue("ConvTranspose attributes do not have \(spatial) spatial entries")
        }
        if spatial == 1 { x = try x.unsqueezed(2); w = try w.unsqueezed(2) }
        let strides = twoD(a.strides, 1), dilations = twoD(a.dilations, 1), extra = twoD(a.outputPadding, 0)
        let kernel = Array(w.shape[2...])
        let geometry = Conv2dGeometry(kernel: (kernel[0], kernel[1]), stride: (strides[0], strides[1]),
                                      dilation: (dilations[0], dilations[1]), groups: a.group)
        let full = (0..<2).map { (i: Int) -> Int in
            let reach: Int = dilations[i] * (kernel[i] - 1) + 1
            return (x.shape[2 + i] - 1) * strides[i] + reach + extra[i]
        }
        let (starts, extents) = placement(full: full, input: Array(x.shape[2...]), strides: strides, spatial: spatial)
        let window = Variable.OutputWindow(top: starts[0], left: starts[1], height: extents[0], width: extents[1])
        var y = try Variable.convTranspose2d(x, weight: w, bias: b, geometry: geometry,
                                             extra: (extra[0], extra[1]), window: window)
        if spatial == 1 { y = try y.squeezed([2]) }
        return [.float(y)]
    }

    /// Where the output starts in the unpadded result and its extents, per spatial axis (2-D form).
    private func placement(full: [Int], input: [Int], strides: [Int],
                           spatial: Int) -> (starts: [Int], extents: [Int]) {
        let a = attributes
        func twoD(_ v: [Int], _ fill: Int) -> [Int] { spatial == 1 ? [fill] + v : v }
        let same = a.autoPad == "SAME_UPPER" || a.autoPad == "SAME_LOWER"
        if a.outputShape == nil && (!same || a.pads != nil) {
            let n = a.pads.map { $0.count / 2 } ?? 0
            let begin = twoD(a.pads.map { Array($0[..<n]) } ?? Array(repeating: 0, count: spatial), 0)
            let end = twoD(a.pads.map { Array($0[n...]) } ?? Array(repeating: 0, count: spatial), 0)
            return (begin, (0..<2).map { full[$0] - begin[$0] - end[$0] })
        }
        let out = a.outputShape.map { twoD(Array($0.suffix(spatial)), 1) }
            ?? (0..<2).map { input[$0] * strides[$0] }
        let starts = (0..<2).map { i -> Int in
            let total = full[i] - out[i]
            let half = Int((Double(total) / 2).rounded(.down))   // the definition's floor division
            return a.autoPad == "SAME_UPPER" ? half : total - half
        }
        return (starts, out)
    }
}
