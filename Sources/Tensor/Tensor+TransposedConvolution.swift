import Dispatch

extension Tensor {
    /// Transposed 2-D convolution, the adjoint of ``conv2d`` (Zeiler et al. 2010, "Deconvolutional
    /// Networks"; ONNX ConvTranspose) without padding: input [N, Cin, H, W] and weight
    /// [Cin, Cout/groups, kh, kw] give [N, Cout, (H − 1)·s + d·(k − 1) + 1 + extra, …] (`extra` is ONNX's
    /// output_padding: rows and columns added at the end, which no input reaches). Each image's group
    /// is one product Wᵀ·x scattered into the output by col2im; images are split over the cores.
    public static func convTranspose2d(_ input: Tensor, weight: Tensor, geometry g: Conv2dGeometry,
                                       extra: (h: Int, w: Int) = (0, 0)) throws -> Tensor {
        let shape = try transposedConvolutionShape(input, weight, g, extra: extra)
        let n = input.shape[0], ci = input.shape[1], hi = input.shape[2], wi = input.shape[3]
        let co = shape[1], h = shape[2], w = shape[3]
        let cg = co / g.groups, og = ci / g.groups, kk = g.kernel.h * g.kernel.w, l = hi * wi
        var out = [Float](repeating: 0, count: shape.reduce(1, *))
        if out.isEmpty || l == 0 || og == 0 { return Tensor(unchecked: shape, out) }
        input.scalars.withUnsafeBufferPointer { xp in
            weight.scalars.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    nonisolated(unsafe) let xb = xp.baseAddress!, wb = wp.baseAddress!, ob = op.baseAddress!
                    _ = perCoreImages(n, work: n * co * kk * l * og) { _, images in
                        var cols = [Float](repeating: 0, count: cg * kk * l)
                        cols.withUnsafeMutableBufferPointer { cp in
                            for img in images {
                                for gi in 0..<g.groups {
                                    gemm(wb + gi * og * cg * kk, xb + (img * ci + gi * og) * l, cp.baseAddress!,
                                         m: cg * kk, n: l, k: og, transA: true)
                                    col2im(cp.baseAddress!, into: ob, img: img, c: co, h: h, w: w, c0: gi * cg,
                                           cg: cg, g: g, oh: hi, ow: wi)
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(unchecked: shape, out)
    }

    /// The output shape of ``convTranspose2d(_:weight:geometry:extra:)``, or an error naming what
    /// does not fit.
    static func transposedConvolutionShape(_ x: Tensor, _ weight: Tensor, _ g: Conv2dGeometry,
                                           extra: (h: Int, w: Int)) throws -> [Int] {
        func fail(_ reason: String) -> TensorError { .invalidArgument(op: "convTranspose2d", reason: reason) }
        guard x.rank == 4, weight.rank == 4 else {
            throw fail("input \(x.shape) and weight \(weight.shape) must be 4-D")
        }
        guard g.groups > 0, x.shape[1] == weight.shape[0], weight.shape[0] % g.groups == 0 else {
            throw fail("input channels \(x.shape[1]) do not fit the weight \(weight.shape) in \(g.groups) groups")
        }
        guard weight.shape[2] == g.kernel.h, weight.shape[3] == g.kernel.w, g.padding == (0, 0),
              g.stride.h > 0, g.stride.w > 0, g.dilation.h > 0, g.dilation.w > 0 else {
            throw fail("kernel \(g.kernel), stride \(g.stride) or dilation \(g.dilation) do not fit \(weight.shape)")
        }
        guard extra.h >= 0, extra.w >= 0, extra.h < Swift.max(g.stride.h, g.dilation.h),
              extra.w < Swift.max(g.stride.w, g.dilation.w) else {
            throw fail("output padding \(extra) must be below the stride or dilation")
        }
        let h = (x.shape[2] - 1) * g.stride.h + g.dilation.h * (g.kernel.h - 1) + 1 + extra.h
        let w = (x.shape[3] - 1) * g.stride.w + g.dilation.w * (g.kernel.w - 1) + 1 + extra.w
        let shape = [x.shape[0], weight.shape[1] * g.groups, h, w]
        guard x.shape[2] > 0, x.shape[3] > 0, CheckedSize.elements(shape) != nil else {
            throw fail("input \(x.shape) gives no output, or one too large")
        }
        return shape
    }
}
