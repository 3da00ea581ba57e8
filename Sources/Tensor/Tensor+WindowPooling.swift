/// A pooling window with ONNX's explicit padding: the pads at the beginning and end of each axis
/// (they may differ and exceed half the kernel) and `ceil_mode` (a last, partial window is kept when
/// it starts inside the input or the beginning pad, as PyTorch and the ONNX reference do).
public struct PoolWindow: Sendable {
    public var kernel: (h: Int, w: Int)
    public var stride: (h: Int, w: Int)
    public var dilation: (h: Int, w: Int)
    /// Top, left, bottom, right.
    public var pads: [Int]
    public var ceilMode: Bool

    public init(kernel: (h: Int, w: Int), stride: (h: Int, w: Int), dilation: (h: Int, w: Int), pads: [Int],
                ceilMode: Bool) {
        self.kernel = kernel; self.stride = stride; self.dilation = dilation; self.pads = pads
        self.ceilMode = ceilMode
    }

    /// Outputs along one axis of `extent` with pads `begin` and `end`.
    func outputs(extent: Int, begin: Int, end: Int, kernel k: Int, stride s: Int, dilation d: Int,
                 op: String) throws -> Int {
        let span = extent + begin + end - ((k - 1) * d + 1)
        guard span >= 0 else {
            throw TensorError.invalidArgument(op: op, reason: "a window of \(k) (dilation \(d)) does not fit "
                                              + "\(extent) values padded by \(begin) and \(end)")
        }
        var count = (ceilMode ? (span + s - 1) / s : span / s) + 1
        if ceilMode && (count - 1) * s >= extent + begin { count -= 1 }
        return count
    }

    /// The output height and width for an `h`×`w` input, or an error when the window is invalid.
    public func outputSize(h: Int, w: Int, op: String) throws -> (h: Int, w: Int) {
        guard pads.count == 4, pads.allSatisfy({ $0 >= 0 }) else {
            throw TensorError.invalidArgument(op: op, reason: "pads must be 4 non-negative values, got \(pads)")
        }
        // The symmetric geometry checks the kernel, stride and dilation and the sizes' limits.
        _ = try Conv2dGeometry(kernel: kernel, stride: stride, dilation: dilation)
            .outputSize(h: h + pads[0] + pads[2], w: w + pads[1] + pads[3], op: op)
        return (try outputs(extent: h, begin: pads[0], end: pads[2], kernel: kernel.h, stride: stride.h,
                            dilation: dilation.h, op: op),
                try outputs(extent: w, begin: pads[1], end: pads[3], kernel: kernel.w, stride: stride.w,
                            dilation: dilation.w, op: op))
    }

    /// The padding ceil mode adds at the end of each axis so that the last, partial window exists, for
    /// pooling an explicitly padded copy (0 without ceil mode or when the window does not fit).
    public func ceilPadding(h: Int, w: Int) -> (h: Int, w: Int) {
        func extra(_ n: Int, _ begin: Int, _ end: Int, _ k: Int, _ s: Int, _ d: Int) -> Int {
            guard ceilMode, let count = try? outputs(extent: n, begin: begin, end: end, kernel: k, stride: s,
                                                     dilation: d, op: "pool") else { return 0 }
            return Swift.max(0, (count - 1) * s + (k - 1) * d + 1 - (n + begin + end))
        }
        return (extra(h, pads[0], pads[2], kernel.h, stride.h, dilation.h),
                extra(w, pads[1], pads[3], kernel.w, stride.w, dilation.w))
    }

    /// The geometry whose padding is the top and left pads (the pooling kernels clip every window at
    /// the plane's borders, so the bottom and right pads only show in the output size).
    var leadingGeometry: Conv2dGeometry {
        Conv2dGeometry(kernel: kernel, stride: stride, padding: (pads[0], pads[1]), dilation: dilation)
    }

    /// How many of the window positions of output `o` along an axis fall in `lo..<hi`.
    static func counted(_ o: Int, kernel k: Int, stride s: Int, dilation d: Int, begin: Int, lo: Int,
                        hi: Int) -> Int {
        (0..<k).reduce(0) { n, i in
            let at = o * s - begin + i * d
            return n + (at >= lo && at < hi ? 1 : 0)
        }
    }
}

/// Pooling with explicit, possibly asymmetric padding and ceil mode (ONNX's MaxPool and AveragePool),
/// values only (no gradient): one C pass per plane, no padded copy of the input.
extension Tensor {
    /// Max pooling: the first maximum of each window in reading order (padding never wins; a window of
    /// padding only gives −∞), the values of pooling the input padded with −∞.
    public static func maxPoolValues(_ x: Tensor, window: PoolWindow) throws -> Tensor {
        let (oh, ow) = try checkWindow(x, window, op: "maxPool2d")
        return maxPoolValues(x, window.leadingGeometry, oh: oh, ow: ow)
    }

    /// Average pooling: each window's sum over the input divided by the positions it counts, the input's
    /// and, when `countIncludePad`, the explicit pads' (never the extra positions of ceil mode).
    public static func averagePoolValues(_ x: Tensor, window: PoolWindow, countIncludePad: Bool) throws -> Tensor {
        let (oh, ow) = try checkWindow(x, window, op: "avgPool2d")
        let (h, w, p) = (x.shape[2], x.shape[3], window.pads)
        let rows = (0..<oh).map { y in
            PoolWindow.counted(y, kernel: window.kernel.h, stride: window.stride.h, dilation: window.dilation.h,
                               begin: p[0], lo: countIncludePad ? -p[0] : 0, hi: countIncludePad ? h + p[2] : h)
        }
        let columns = (0..<ow).map { x in
            PoolWindow.counted(x, kernel: window.kernel.w, stride: window.stride.w, dilation: window.dilation.w,
                               begin: p[1], lo: countIncludePad ? -p[1] : 0, hi: countIncludePad ? w + p[3] : w)
        }
        let scales = rows.flatMap { r in columns.map { c in 1 / Float(r * c) } }
        return averagePool(x, window.leadingGeometry, oh: oh, ow: ow, scales: scales)
    }

    static func checkWindow(_ x: Tensor, _ window: PoolWindow, op: String) throws -> (oh: Int, ow: Int) {
        guard x.rank == 4 else {
            throw TensorError.shapeMismatch(op: op, shapes: [x.shape], reason: "input must be [N, C, H, W]")
        }
        let size = try window.outputSize(h: x.shape[2], w: x.shape[3], op: op)
        try MemoryBudget.check(elements: CheckedSize.elements([x.shape[0], x.shape[1], size.h, size.w]), of: 4,
                               for: "the pooling output [\(x.shape[0]), \(x.shape[1]), \(size.h), \(size.w)]")
        return (size.h, size.w)
    }
}
