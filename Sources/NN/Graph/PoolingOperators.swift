import PruneAutodiff
import PruneTensor

/// MaxPool and AveragePool in the forms the fast ``PoolOperator`` does not take: asymmetric or
/// large padding, `ceil_mode`, and averages that leave padding out of the divisor
/// (`count_include_pad = 0`). Without a gradient to record, one C pass per plane (``PoolWindow``);
/// with one, the input is padded explicitly (−∞ for max, 0 for average) and an average divides the
/// window sum of the input by the window sum of a mask of the counted positions.
public struct PaddedPoolOperator: GraphOperator {
    public let isMax: Bool
    public let padding: SpatialPadding
    public let ceilMode: Bool
    public let countIncludePad: Bool

    public init(isMax: Bool, padding: SpatialPadding, ceilMode: Bool, countIncludePad: Bool) {
        self.isMax = isMax; self.padding = padding; self.ceilMode = ceilMode; self.countIncludePad = countIncludePad
    }
    public var channelFlow: ChannelFlow { .reduces(axes: [2, 3], keepDims: true) }

    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = try input(inputs, 0, "X").variable("X")
        guard x.shape.count == 4 else { throw GraphError.invalidValue("pooling needs [N, C, H, W]") }
        let (h, w) = (x.shape[2], x.shape[3]), g = padding
        let p = g.resolved(h: h, w: w)
        let window = PoolWindow(kernel: g.kernel, stride: g.stride, dilation: g.dilation, pads: p, ceilMode: ceilMode)
        if !(GradMode.isEnabled && x.requiresGrad) {
            return [.float(Variable(isMax ? try Tensor.maxPoolValues(x.value, window: window)
                : try Tensor.averagePoolValues(x.value, window: window, countIncludePad: countIncludePad)))]
        }
        let extra = window.ceilPadding(h: h, w: w)
        let geometry = Conv2dGeometry(kernel: g.kernel, stride: g.stride, padding: (0, 0), dilation: g.dilation)
        let padded = try g.apply(x, fill: isMax ? -.infinity : 0, extra: extra)
        if isMax { return [.float(try Variable.maxPool2d(padded, geometry: geometry))] }
        let sums = try Variable.avgPool2d(padded, geometry: geometry)
        // The counted positions: the input, plus the explicit padding when count_include_pad = 1.
        let ones = Variable(.ones([1, 1, h, w]))
        let counted = countIncludePad ? try SpatialPadding(pads: p, kernel: g.kernel, stride: g.stride,
                                                           dilation: g.dilation).apply(ones, fill: 1) : ones
        let mask = try SpatialPadding(pads: countIncludePad ? [0, 0, 0, 0] : p, kernel: g.kernel, stride: g.stride,
                                      dilation: g.dilation).apply(counted, fill: 0, extra: extra)
        return [.float(try sums / Variable.avgPool2d(mask, geometry: geometry))]
    }
}

/// Dropout at inference: the input unchanged and, when `returnsMask`, an all-true mask. Asked to train
/// (training_mode true with a nonzero ratio), it refuses: its random mask cannot match another runtime's.
public struct DropoutOperator: GraphOperator {
    /// Whether the mask output is built (an importer leaves it out when nothing reads it).
    public var returnsMask: Bool
    public init(returnsMask: Bool = true) { self.returnsMask = returnsMask }
    public var channelFlow: ChannelFlow { .elementwise }
    public func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
        let x = try input(inputs, 0, "data")
        let ratio = inputs.count > 1 ? inputs[1].map { NumericTensor($0).values.first ?? 0.5 } ?? 0.5 : 0.5
        let training = inputs.count > 2 ? inputs[2].map { NumericTensor($0).values.first ?? 0 } ?? 0 : 0
        if training != 0 && ratio != 0 { throw GraphError.unsupported("training-mode Dropout (a random mask)") }
        guard returnsMask else { return [x] }
        let count = x.shape.reduce(1, *)
        return [x, .integer(try IntegerTensor(shape: x.shape, values: .init(repeating: 1, count: count)))]
    }
}
