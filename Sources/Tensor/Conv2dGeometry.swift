/// The sizes of one 2-D convolution or pooling window: kernel, stride, padding, dilation, groups,
/// and the output extent they give for an input extent.
public struct Conv2dGeometry: Sendable, Equatable {
    public var kernel: (h: Int, w: Int)
    public var stride: (h: Int, w: Int)
    public var padding: (h: Int, w: Int)
    public var dilation: (h: Int, w: Int)
    public var groups: Int

    public init(kernel: (Int, Int), stride: (Int, Int) = (1, 1), padding: (Int, Int) = (0, 0),
                dilation: (Int, Int) = (1, 1), groups: Int = 1) {
        self.kernel = (kernel.0, kernel.1)
        self.stride = (stride.0, stride.1)
        self.padding = (padding.0, padding.1)
        self.dilation = (dilation.0, dilation.1)
        self.groups = groups
    }

    public static func == (l: Conv2dGeometry, r: Conv2dGeometry) -> Bool {
        l.kernel == r.kernel && l.stride == r.stride && l.padding == r.padding && l.dilation == r.dilation && l.groups == r.groups
    }

    /// Output height and width for an input of `h`×`w`, or an error when the window does not fit.
    public func outputSize(h: Int, w: Int, op: String) throws -> (h: Int, w: Int) {
        guard kernel.h > 0, kernel.w > 0, stride.h > 0, stride.w > 0, dilation.h > 0, dilation.w > 0,
              padding.h >= 0, padding.w >= 0 else {
            throw TensorError.invalidArgument(op: op,
                                              reason: "kernel, stride and dilation must be positive, padding non-negative")
        }
        let limit = 1 << 24
        guard [kernel.h, kernel.w, stride.h, stride.w, padding.h, padding.w, dilation.h, dilation.w, h, w]
                .allSatisfy({ $0 <= limit }) else {
            throw TensorError.invalidArgument(op: op, reason: "kernel \(kernel.h)×\(kernel.w), "
                + "stride \(stride.h)×\(stride.w), padding \(padding.h)×\(padding.w), "
                + "dilation \(dilation.h)×\(dilation.w) or input \(h)×\(w) "
                + "exceeds \(limit)")
        }
        let oh = (h + 2 * padding.h - dilation.h * (kernel.h - 1) - 1) / stride.h + 1
        let ow = (w + 2 * padding.w - dilation.w * (kernel.w - 1) - 1) / stride.w + 1
        guard oh > 0, ow > 0, h + 2 * padding.h >= dilation.h * (kernel.h - 1) + 1,
              w + 2 * padding.w >= dilation.w * (kernel.w - 1) + 1 else {
            throw TensorError.invalidArgument(op: op,
                                              reason: "a \(kernel.h)×\(kernel.w) window (dilation \(dilation.h)×\(dilation.w), padding \(padding.h)×\(padding.w)) does not fit a \(h)×\(w) input")
        }
        return (oh, ow)
    }
}
