import CDenseKernels

/// Max and average pooling over `[N, C, H, W]`, with their backward passes.
extension Tensor {
    static func checkPool(_ x: Tensor, _ g: Conv2dGeometry, op: String) throws -> (oh: Int, ow: Int) {
        guard x.rank == 4 else {
            throw TensorError.shapeMismatch(op: op, shapes: [x.shape], reason: "input must be [N, C, H, W]")
        }
        guard g.padding.h * 2 <= g.kernel.h, g.padding.w * 2 <= g.kernel.w else {
            throw TensorError.invalidArgument(op: op, reason: "padding must be at most half the kernel")
        }
        let o = try g.outputSize(h: x.shape[2], w: x.shape[3], op: op)
        return (o.h, o.w)
    }

    /// Max pooling; also returns, per output, the flat index of the chosen input within its plane.
    public static func maxPool2d(_ x: Tensor, geometry g: Conv2dGeometry) throws -> (output: Tensor, argmax: [Int32]) {
        let (oh, ow) = try checkPool(x, g, op: "maxPool2d")
        let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
        let planes = n * c
        let count = planes * oh * ow
        if count == 0 { return (Tensor(unchecked: [n, c, oh, ow], []), []) }
        // Every output and winner is written by the plane loops below: no zero fill first.
        var arg = [Int32]()
        let out = [Float](unsafeUninitializedCapacity: count) { op, filled in
            arg = [Int32](unsafeUninitializedCapacity: count) { ap, written in
                x.scalars.withUnsafeBufferPointer { xp in
                    nonisolated(unsafe) let xb = xp.baseAddress!, ob = op.baseAddress!, ab = ap.baseAddress!
                    parallelFor(planes, work: h * w) { p in
                        maxPoolPlane(xb + p * h * w, h: h, w: w, oh: oh, ow: ow, g, out: ob + p * oh * ow,
                                     arg: ab + p * oh * ow)
                    }
                }
                written = count
            }
            filled = count
        }
        return (Tensor(unchecked: [n, c, oh, ow], out), arg)
    }

    /// One plane's maxima and winners, by the kernel that fits geometry `g`.
    @inline(__always)
    static func maxPoolPlane(_ plane: UnsafePointer<Float>, h: Int, w: Int, oh: Int, ow: Int, _ g: Conv2dGeometry,
                             out: UnsafeMutablePointer<Float>, arg: UnsafeMutablePointer<Int32>) {
        let inside = g.padding == (0, 0) && g.dilation == (1, 1)
        if inside && g.kernel == (2, 2) && g.stride == (2, 2) {
            maxPool2x2(plane, w: w, oh: oh, ow: ow, out: out, arg: arg)
        } else if inside {
            maxPoolInside(plane, w: w, oh: oh, ow: ow, g, out: out, arg: arg)
        } else {
            maxPoolPadded(plane, h: h, w: w, oh: oh, ow: ow, g, out: out, arg: arg)
        }
    }

    /// Max pooling's values alone (inference: no winner indices to keep for a backward pass), one
    /// branch-free C pass per plane (``prune_maxpool_values_f32``); the same values as ``maxPool2d(_:geometry:)``.
    public static func maxPool2dValues(_ x: Tensor, geometry g: Conv2dGeometry) throws -> Tensor {
        let (oh, ow) = try checkPool(x, g, op: "maxPool2d")
        return maxPoolValues(x, g, oh: oh, ow: ow)
    }

    /// Every plane of `x` max-pooled by ``prune_maxpool_values_f32`` with geometry `g` (its padding the
    /// top and left pads) into `oh`×`ow` outputs.
    static func maxPoolValues(_ x: Tensor, _ g: Conv2dGeometry, oh: Int, ow: Int) -> Tensor {
        let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
        let planes = n * c
        if planes * oh * ow == 0 { return Tensor(unchecked: [n, c, oh, ow], []) }
        // Every output is written by the kernel: no zero fill first (0.77 MB for SqueezeNet's first pooling).
        let out = [Float](unsafeUninitializedCapacity: planes * oh * ow) { op, filled in
            x.scalars.withUnsafeBufferPointer { xp in
                nonisolated(unsafe) let xb = xp.baseAddress!, ob = op.baseAddress!
                let plane = { (p: Int) in
                    prune_maxpool_values_f32(xb + p * h * w, Int64(h), Int64(w), Int64(oh), Int64(ow),
                                             Int64(g.kernel.h), Int64(g.kernel.w), Int64(g.stride.h),
                                             Int64(g.stride.w), Int64(g.padding.h), Int64(g.padding.w),
                                             Int64(g.dilation.h), Int64(g.dilation.w), ob + p * oh * ow)
                }
                let window = planeWindow(g, h: h, w: w, oh: oh, ow: ow)
                if !poolInLanes(planes: planes, window: window, isMax: true, scales: nil, x: xb, out: ob,
                                plane: plane) {
                    parallelFor(planes, work: h * w, plane)
                }
            }
            filled = planes * oh * ow
        }
        return Tensor(unchecked: [n, c, oh, ow], out)
    }

    /// Every window lies inside the image (no padding, no dilation): no bounds checks.
    @inline(__always)
    static func maxPoolInside(_ plane: UnsafePointer<Float>, w: Int, oh: Int, ow: Int, _ g: Conv2dGeometry,
                              out: UnsafeMutablePointer<Float>, arg: UnsafeMutablePointer<Int32>) {
        for y in 0..<oh {
            let top = y * g.stride.h
            for xo in 0..<ow {
                let left = xo * g.stride.w
                var bi = top * w + left
                var best = plane[bi]
                for ki in 0..<g.kernel.h {
                    let row = (top + ki) * w + left
                    for kj in 0..<g.kernel.w {
                        let v = plane[row + kj]
                        if v > best || v.isNaN { best = v; bi = row + kj }
                    }
                }
                out[y * ow + xo] = best
                arg[y * ow + xo] = Int32(bi)
            }
        }
    }

    /// Any geometry: windows clipped at the borders (padding never wins).
    @inline(__always)
    static func maxPoolPadded(_ plane: UnsafePointer<Float>, h: Int, w: Int, oh: Int, ow: Int, _ g: Conv2dGeometry,
                              out: UnsafeMutablePointer<Float>, arg: UnsafeMutablePointer<Int32>) {
        for y in 0..<oh {
            for xo in 0..<ow {
                var best = -Float.infinity, bi = -1
                for ki in 0..<g.kernel.h {
                    let iy = y * g.stride.h - g.padding.h + ki * g.dilation.h
                    if iy < 0 || iy >= h { continue }
                    for kj in 0..<g.kernel.w {
                        let ix = xo * g.stride.w - g.padding.w + kj * g.dilation.w
                        if ix < 0 || ix >= w { continue }
                        let v = plane[iy * w + ix]
                        if v > best || bi < 0 || v.isNaN { best = v; bi = iy * w + ix }
                    }
                }
                out[y * ow + xo] = best
                arg[y * ow + xo] = Int32(bi)
            }
        }
    }

    /// The common 2×2, stride-2 window without padding: a branchless C kernel (``prune_maxpool2x2_f32``;
    /// random data made the branches of the Swift loop mispredict half the time).
    @inline(__always)
    static func maxPool2x2(_ plane: UnsafePointer<Float>, w: Int, oh: Int, ow: Int,
                           out: UnsafeMutablePointer<Float>, arg: UnsafeMutablePointer<Int32>) {
        prune_maxpool2x2_f32(plane, Int64(w), Int64(oh), Int64(ow), out, arg)
    }

    /// Routes each output gradient to the input that won its window: per plane, zeros and then each
    /// gradient added at its winner in output order (``prune_maxpool_backward_f32``), the planes over the cores.
    public static func maxPool2dBackward(gradOutput: Tensor, argmax: [Int32], inputShape: [Int]) -> Tensor {
        let planes = inputShape[0] * inputShape[1], hw = inputShape[2] * inputShape[3]
        let ohw = gradOutput.count / Swift.max(planes, 1)
        if planes * hw == 0 { return Tensor(unchecked: inputShape, []) }
        let dx = [Float](unsafeUninitializedCapacity: planes * hw) { dp, filled in
            gradOutput.scalars.withUnsafeBufferPointer { gp in
                argmax.withUnsafeBufferPointer { ap in
                    nonisolated(unsafe) let db = dp.baseAddress, gb = gp.baseAddress, ab = ap.baseAddress
                    parallelFor(planes, work: hw) { p in
                        prune_maxpool_backward_f32(gb.map { $0 + p * ohw }, ab.map { $0 + p * ohw }, Int64(ohw),
                                                   Int64(hw), db.map { $0 + p * hw })
                    }
                }
            }
            filled = planes * hw
        }
        return Tensor(unchecked: inputShape, dx)
    }

    /// Average pooling; padded positions count in the divisor (PyTorch's `count_include_pad=True`).
    /// Each window's sum (positions in the padding count as zeros) times 1/(kh·kw), one C pass per
    /// plane (``prune_avgpool_f32``).
    public static func avgPool2d(_ x: Tensor, geometry g: Conv2dGeometry) throws -> Tensor {
        let (oh, ow) = try checkPool(x, g, op: "avgPool2d")
        let scales = [Float](repeating: 1 / Float(g.kernel.h * g.kernel.w), count: oh * ow)
        return averagePool(x, g, oh: oh, ow: ow, scales: scales)
    }

    /// Every plane of `x` averaged by ``prune_avgpool_f32`` with geometry `g` (its padding the top and
    /// left pads) into `oh`×`ow` outputs, each window's sum times its entry of `scales`.
    static func averagePool(_ x: Tensor, _ g: Conv2dGeometry, oh: Int, ow: Int, scales: [Float]) -> Tensor {
        let n = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3]
        let planes = n * c
        if planes * oh * ow == 0 { return Tensor(unchecked: [n, c, oh, ow], []) }
        // Every output is written by the kernels: no zero fill first.
        let out = [Float](unsafeUninitializedCapacity: planes * oh * ow) { op, filled in
            x.scalars.withUnsafeBufferPointer { xp in
                scales.withUnsafeBufferPointer { sp in
                    nonisolated(unsafe) let xb = xp.baseAddress!, ob = op.baseAddress!, sb = sp.baseAddress!
                    let plane = { (p: Int) in
                        prune_avgpool_f32(xb + p * h * w, Int64(h), Int64(w), Int64(oh), Int64(ow),
                                          Int64(g.kernel.h), Int64(g.kernel.w), Int64(g.stride.h),
                                          Int64(g.stride.w), Int64(g.padding.h), Int64(g.padding.w),
                                          Int64(g.dilation.h), Int64(g.dilation.w), sb, ob + p * oh * ow)
                    }
                    if let rows = windowRows(g, h: h, w: w, oh: oh, ow: ow) {
                        return rowSums(xb, rows: planes, length: rows * w, stride: h * w, scale: sb[0], into: ob)
                    }
                    let window = planeWindow(g, h: h, w: w, oh: oh, ow: ow)
                    if !poolInLanes(planes: planes, window: window, isMax: false, scales: sb, x: xb, out: ob,
                                    plane: plane) {
                        parallelFor(planes, work: oh * ow * g.kernel.h * g.kernel.w, plane)
                    }
                }
            }
            filled = planes * oh * ow
        }
        return Tensor(unchecked: [n, c, oh, ow], out)
    }

    /// The rows of the one window of each plane when it is whole rows from the first (a global average pooling
    /// written as AveragePool: its values are consecutive), else nil; ``prune_avgpool_f32`` sums such a window
    /// with ``prune_sum_f32`` too.
    static func windowRows(_ g: Conv2dGeometry, h: Int, w: Int, oh: Int, ow: Int) -> Int? {
        let single = oh == 1 && ow == 1 && g.padding == (0, 0) && g.dilation == (1, 1)
        return single && g.kernel.w == w && g.kernel.h <= h ? g.kernel.h : nil
    }

    /// Spreads each output gradient evenly over its window.
    public static func avgPool2dBackward(gradOutput: Tensor, inputShape: [Int], geometry g: Conv2dGeometry) -> Tensor {
        let n = inputShape[0], c = inputShape[1], h = inputShape[2], w = inputShape[3]
        let oh = gradOutput.shape[2], ow = gradOutput.shape[3]
        var dx = [Float](repeating: 0, count: n * c * h * w)
        let scale = 1 / Float(g.kernel.h * g.kernel.w)
        for p in 0..<(n * c) {
            for y in 0..<oh {
                for xo in 0..<ow {
                    let gv = gradOutput.scalars[(p * oh + y) * ow + xo] * scale
                    for ki in 0..<g.kernel.h {
                        let iy = y * g.stride.h - g.padding.h + ki * g.dilation.h
                        if iy < 0 || iy >= h { continue }
                        for kj in 0..<g.kernel.w {
                            let ix = xo * g.stride.w - g.padding.w + kj * g.dilation.w
                            if ix >= 0 && ix < w { dx[p * h * w + iy * w + ix] += gv }
                        }
                    }
                }
            }
        }
        return Tensor(unchecked: inputShape, dx)
    }
}
