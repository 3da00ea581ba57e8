/// A convolution's input gradient at stride 1 as a convolution of the output gradient: with the filters turned
/// around (each filter's taps reversed, input and output channels swapped) and the window padded by
/// `d·(k − 1) − p` instead of `p`, it is the forward pass the direct kernel runs (Dumoulin and Visin, "A guide to
/// convolution arithmetic for deep learning", 2016, §4: the transpose of a convolution is a convolution). Through
/// the packed product the backward pass wrote each image's gradient of the patch matrix and then added it back
/// into the planes (col2im): LeNet-5's training spent 6% of its time in that addition.
extension Tensor {
    /// The convolution that gives `d`'s input gradient from its output gradient, where it is one the direct kernel
    /// runs (stride 1, padding at most the dilated kernel's reach; with the AVX-512 tiles, at least 16 input
    /// channels per group, the filters of the turned convolution: LeNet-5's first layer, one channel, took
    /// 1.35 → 6.4 ms directly for a batch of 64, one lane of 16 in use); nil otherwise. With the AVX-512 tiles,
    /// 64 images on two cores, the backward pass through patch matrices → directly, two rounds: 16 → 32 filters
    /// of 5×5 over 14×14 8.53 / 8.46 → 7.09 / 7.04 ms, 16 → 16 of 3×3 over 28×28 8.41 / 8.62 → 7.10 / 7.39.
    static func directInputDims(_ d: ConvDims) -> ConvDims? {
        let g = d.g
        guard allowsDirectConvolution, directKernelsRun, g.stride == (1, 1) else { return nil }
        guard !directKernelsWide || d.cg >= 16 else { return nil }
        let ph = g.dilation.h * (g.kernel.h - 1) - g.padding.h, pw = g.dilation.w * (g.kernel.w - 1) - g.padding.w
        guard ph >= 0, pw >= 0 else { return nil }
        let window = Conv2dGeometry(kernel: g.kernel, padding: (ph, pw), dilation: g.dilation, groups: g.groups)
        let turned = ConvDims(c: d.o, h: d.oh, w: d.ow, o: d.c, oh: d.h, ow: d.w, g: window)
        return directShapeFits(turned) ? turned : nil
    }

    /// The filters of `d` (`[O, C/groups, KH, KW]`) turned around per group: filter c of group g, channel f, tap
    /// (i, j) is filter g·og + f's channel c at tap (KH − 1 − i, KW − 1 − j).
    static func turnedFilters(_ w: UnsafePointer<Float>, dims d: ConvDims) -> [Float] {
        let (cg, og, kk) = (d.cg, d.og, d.kk)
        return [Float](unsafeUninitializedCapacity: d.o * cg * kk) { buf, filled in
            for gi in 0..<d.g.groups {
                for c in 0..<cg {
                    for f in 0..<og {
                        let src = w + ((gi * og + f) * cg + c) * kk, dst = ((gi * cg + c) * og + f) * kk
                        for t in 0..<kk { buf[dst + t] = src[kk - 1 - t] }
                    }
                }
            }
            filled = d.o * cg * kk
        }
    }

    /// The input gradient (`[N, C, H, W]`) of `d` from `gradOutput` by the convolution `turned`
    /// (``directInputDims(_:)``), run directly with the turned filters packed once.
    static func directInputGradient(_ gradOutput: Tensor, weight: Tensor, dims d: ConvDims,
                                    turned: ConvDims) -> [Float] {
        let filters = weight.scalars.withUnsafeBufferPointer { turnedFilters($0.baseAddress!, dims: d) }
        let panels = filters.withUnsafeBufferPointer {
            DirectFilterPanels($0.baseAddress!, groups: d.g.groups, rows: d.cg, columns: d.og * d.kk)
        }
        let turnedWeight = Tensor(unchecked: [d.c, d.og, d.g.kernel.h, d.g.kernel.w], filters)
        return directConv(gradOutput, weight: turnedWeight, bias: nil, dims: turned, epilogue: nil,
                          panels: panels).scalars
    }
}
