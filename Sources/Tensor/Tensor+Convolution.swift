/// 2-D convolution by im2col + GEMM, with its backward pass.
///
/// Input `[N, C, H, W]`, weight `[O, C/groups, KH, KW]`, optional bias `[O]`, output `[N, O, OH, OW]`.
/// For each group the patches of the whole batch are laid out as one matrix `[C/g·KH·KW, N·OH·OW]`,
/// so each group costs one large `sgemm`.
extension Tensor {
    /// Columns of one convolution: one matrix per group, kept for the backward pass.
    public struct ConvolutionColumns: Sendable {
        public var perGroup: [[Float]]
    }

    static func checkConv(_ input: Tensor, _ weight: Tensor, _ bias: Tensor?, _ g: Conv2dGeometry) throws -> (oh: Int, ow: Int) {
        guard input.rank == 4, weight.rank == 4 else {
            throw TensorError.shapeMismatch(op: "conv2d", shapes: [input.shape, weight.shape], reason: "input must be [N, C, H, W] and weight [O, C/groups, KH, KW]")
        }
        let c = input.shape[1], o = weight.shape[0]
        guard g.groups > 0, c % g.groups == 0, o % g.groups == 0, weight.shape[1] * g.groups == c else {
            throw TensorError.shapeMismatch(op: "conv2d", shapes: [input.shape, weight.shape],
                                            reason: "\(c) input channels, \(o) filters of \(weight.shape[1]) channels and \(g.groups) groups do not agree")
        }
        guard weight.shape[2] == g.kernel.h, weight.shape[3] == g.kernel.w else {
            throw TensorError.shapeMismatch(op: "conv2d", shapes: [weight.shape], reason: "kernel is \(g.kernel.h)×\(g.kernel.w)")
        }
        if let bias, bias.shape != [o] {
            throw TensorError.shapeMismatch(op: "conv2d", shapes: [bias.shape, [o]], reason: "bias needs one value per filter")
        }
        let size = try g.outputSize(h: input.shape[2], w: input.shape[3], op: "conv2d")
        return (size.h, size.w)
    }

    /// Lays out the patches of channels `c0..<c0+cg` of every image as a `[cg·KH·KW, N·OH·OW]` matrix.
    static func im2col(_ x: UnsafeBufferPointer<Float>, n: Int, c: Int, h: Int, w: Int, c0: Int, cg: Int,
                       g: Conv2dGeometry, oh: Int, ow: Int) -> [Float] {
        let kk = g.kernel.h * g.kernel.w
        let l = oh * ow
        let rows = cg * kk, colsN = n * l
        var cols = [Float](repeating: 0, count: rows * colsN)
        cols.withUnsafeMutableBufferPointer { cp in
            nonisolated(unsafe) let cb = cp.baseAddress!
            nonisolated(unsafe) let xb = x.baseAddress!
            parallelFor(rows, work: colsN) { r in
                let ci = r / kk + c0, ki = (r % kk) / g.kernel.w, kj = r % g.kernel.w
                let dy = ki * g.dilation.h - g.padding.h, dx = kj * g.dilation.w - g.padding.w
                let rowBase = cb + r * colsN
                for img in 0..<n {
                    let plane = xb + (img * c + ci) * h * w
                    let outBase = rowBase + img * l
                    for y in 0..<oh {
                        let iy = y * g.stride.h + dy
                        let o = outBase + y * ow
                        if iy < 0 || iy >= h { continue }
                        let rowPtr = plane + iy * w
                        if g.stride.w == 1 {
                            let lo = Swift.max(0, -dx), hi = Swift.min(ow, w - dx)
                            if lo < hi { for xo in lo..<hi { o[xo] = rowPtr[xo + dx] } }
                        } else {
                            for xo in 0..<ow {
                                let ix = xo * g.stride.w + dx
                                if ix >= 0 && ix < w { o[xo] = rowPtr[ix] }
                            }
                        }
                    }
                }
            }
        }
        return cols
    }

    /// Adds the column matrix back into image positions (the adjoint of im2col).
    static func col2im(_ cols: UnsafeBufferPointer<Float>, into dx: UnsafeMutableBufferPointer<Float>,
                       n: Int, c: Int, h: Int, w: Int, c0: Int, cg: Int, g: Conv2dGeometry, oh: Int, ow: Int) {
        let kk = g.kernel.h * g.kernel.w, l = oh * ow, colsN = n * l
        nonisolated(unsafe) let cb = cols.baseAddress!
        nonisolated(unsafe) let xb = dx.baseAddress!
        parallelFor(cg, work: kk * colsN) { cl in
            let ci = cl + c0
            for k in 0..<kk {
                let r = cl * kk + k
                let ki = k / g.kernel.w, kj = k % g.kernel.w
                let dy = ki * g.dilation.h - g.padding.h, dxo = kj * g.dilation.w - g.padding.w
                for img in 0..<n {
                    let plane = xb + (img * c + ci) * h * w
                    let src = cb + r * colsN + img * l
                    for y in 0..<oh {
                        let iy = y * g.stride.h + dy
                        if iy < 0 || iy >= h { continue }
                        let rowPtr = plane + iy * w
                        let s = src + y * ow
                        for xo in 0..<ow {
                            let ix = xo * g.stride.w + dxo
                            if ix >= 0 && ix < w { rowPtr[ix] += s[xo] }
                        }
                    }
                }
            }
        }
    }

    /// Convolution forward pass. Returns the output and the columns the backward pass needs.
    public static func conv2d(_ input: Tensor, weight: Tensor, bias: Tensor?, geometry g: Conv2dGeometry,
                              keepColumns: Bool = false) throws -> (output: Tensor, columns: ConvolutionColumns?) {
        let (oh, ow) = try checkConv(input, weight, bias, g)
        let n = input.shape[0], c = input.shape[1], h = input.shape[2], w = input.shape[3]
        let o = weight.shape[0], cg = c / g.groups, og = o / g.groups
        let kk = g.kernel.h * g.kernel.w, l = oh * ow
        var out = [Float](repeating: 0, count: n * o * l)
        var kept: [[Float]] = []
        if n == 0 { return (Tensor(unchecked: [n, o, oh, ow], out), keepColumns ? ConvolutionColumns(perGroup: []) : nil) }
        var gemmOut = [Float](repeating: 0, count: og * n * l)
        input.scalars.withUnsafeBufferPointer { xp in
            for gi in 0..<g.groups {
                let cols = im2col(xp, n: n, c: c, h: h, w: w, c0: gi * cg, cg: cg, g: g, oh: oh, ow: ow)
                weight.scalars.withUnsafeBufferPointer { wp in
                    cols.withUnsafeBufferPointer { cp in
                        gemmOut.withUnsafeMutableBufferPointer { gp in
                            gemm(wp.baseAddress! + gi * og * cg * kk, cp.baseAddress!, gp.baseAddress!, m: og, n: n * l, k: cg * kk)
                        }
                    }
                }
                // [og, N·L] → out[N, O, L]
                out.withUnsafeMutableBufferPointer { op in
                    gemmOut.withUnsafeBufferPointer { gp in
                        for oc in 0..<og {
                            let bv = bias?.scalars[gi * og + oc] ?? 0
                            for img in 0..<n {
                                let dst = (img * o + gi * og + oc) * l, src = oc * n * l + img * l
                                for j in 0..<l { op[dst + j] = gp[src + j] + bv }
                            }
                        }
                    }
                }
                if keepColumns { kept.append(cols) }
            }
        }
        return (Tensor(unchecked: [n, o, oh, ow], out), keepColumns ? ConvolutionColumns(perGroup: kept) : nil)
    }

    /// Convolution backward pass: gradients of input, weight and bias from the output gradient.
    public static func conv2dBackward(gradOutput: Tensor, inputShape: [Int], weight: Tensor, columns: ConvolutionColumns,
                                      geometry g: Conv2dGeometry, needInput: Bool)
        -> (input: Tensor?, weight: Tensor, bias: Tensor) {
        let n = inputShape[0], c = inputShape[1], h = inputShape[2], w = inputShape[3]
        let o = weight.shape[0], oh = gradOutput.shape[2], ow = gradOutput.shape[3]
        let cg = c / g.groups, og = o / g.groups, kk = g.kernel.h * g.kernel.w, l = oh * ow
        var dW = [Float](repeating: 0, count: weight.count)
        var dB = [Float](repeating: 0, count: o)
        var dX: [Float] = needInput ? [Float](repeating: 0, count: n * c * h * w) : []
        if n == 0 { return (needInput ? Tensor(unchecked: inputShape, dX) : nil, Tensor(unchecked: weight.shape, dW), Tensor(unchecked: [o], dB)) }
        var gout = [Float](repeating: 0, count: og * n * l)
        var dCols = [Float](repeating: 0, count: needInput ? cg * kk * n * l : 0)
        gradOutput.scalars.withUnsafeBufferPointer { gp in
            for gi in 0..<g.groups {
                // out[N, O, L] → [og, N·L]
                gout.withUnsafeMutableBufferPointer { go in
                    for oc in 0..<og {
                        var acc: Float = 0
                        for img in 0..<n {
                            let src = (img * o + gi * og + oc) * l, dst = oc * n * l + img * l
                            for j in 0..<l { let v = gp[src + j]; go[dst + j] = v; acc += v }
                        }
                        dB[gi * og + oc] = acc
                    }
                }
                gout.withUnsafeBufferPointer { go in
                    columns.perGroup[gi].withUnsafeBufferPointer { cp in
                        dW.withUnsafeMutableBufferPointer { dw in
                            gemm(go.baseAddress!, cp.baseAddress!, dw.baseAddress! + gi * og * cg * kk,
                                 m: og, n: cg * kk, k: n * l, transA: false, transB: true)
                        }
                    }
                    if needInput {
                        weight.scalars.withUnsafeBufferPointer { wp in
                            dCols.withUnsafeMutableBufferPointer { dc in
                                gemm(wp.baseAddress! + gi * og * cg * kk, go.baseAddress!, dc.baseAddress!,
                                     m: cg * kk, n: n * l, k: og, transA: true, transB: false)
                            }
                        }
                        dCols.withUnsafeBufferPointer { dc in
                            dX.withUnsafeMutableBufferPointer { dx in
                                col2im(dc, into: dx, n: n, c: c, h: h, w: w, c0: gi * cg, cg: cg, g: g, oh: oh, ow: ow)
                            }
                        }
                    }
                }
            }
        }
        return (needInput ? Tensor(unchecked: inputShape, dX) : nil, Tensor(unchecked: weight.shape, dW), Tensor(unchecked: [o], dB))
    }
}
