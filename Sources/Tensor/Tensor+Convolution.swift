import CDenseKernels
import CBLAS
import Dispatch

/// 2-D convolution by im2col + GEMM, with its backward pass.
///
/// Input `[N, C, H, W]`, weight `[O, C/groups, KH, KW]`, optional bias `[O]`, output `[N, O, OH, OW]`.
/// Images are split into one contiguous range per core. Each core lays out one image's patches at a
/// time as a `[C/g·KH·KW, OH·OW]` matrix that stays in cache, and multiplies it with a single-threaded
/// `sgemm` straight into the output. The backward pass recomputes the patches rather than storing
/// them, and sums the per-core weight gradients in a fixed order (deterministic for a thread count).
extension Tensor {
    static func checkConv(_ input: Tensor, _ weight: Tensor, _ bias: Tensor?, _ g: Conv2dGeometry) throws -> (oh: Int,
            ow: Int) {
        guard input.rank == 4, weight.rank == 4 else {
            throw TensorError.shapeMismatch(op: "conv2d", shapes: [input.shape, weight.shape],
                                            reason: "input must be [N, C, H, W] and weight [O, C/groups, KH, KW]")
        }
        let c = input.shape[1], o = weight.shape[0]
        guard g.groups > 0, c % g.groups == 0, o % g.groups == 0, weight.shape[1] * g.groups == c else {
            throw TensorError.shapeMismatch(op: "conv2d", shapes: [input.shape, weight.shape],
                                            reason: "\(c) input channels, \(o) filters of \(weight.shape[1]) "
                                                + "channels and \(g.groups) groups do not agree")
        }
        guard weight.shape[2] == g.kernel.h, weight.shape[3] == g.kernel.w else {
            throw TensorError.shapeMismatch(op: "conv2d", shapes: [weight.shape],
                                            reason: "kernel is \(g.kernel.h)×\(g.kernel.w)")
        }
        if let bias, bias.shape != [o] {
            throw TensorError.shapeMismatch(op: "conv2d", shapes: [bias.shape, [o]],
                                            reason: "bias needs one value per filter")
        }
        let size = try g.outputSize(h: input.shape[2], w: input.shape[3], op: "conv2d")
        let n = input.shape[0], patch = weight.shape[1] * g.kernel.h * g.kernel.w
        try MemoryBudget.check(elements: CheckedSize.elements([n, o, size.h, size.w]), of: 4,
                               for: "the conv2d output [\(n), \(o), \(size.h), \(size.w)]")
        try MemoryBudget.check(elements: CheckedSize.elements([g.groups, patch, size.h, size.w]), of: 4,
                               for: "the conv2d patch matrix of a \(size.h)×\(size.w) output")
        return (size.h, size.w)
    }

    /// Writes the patches of image `img`, channels `c0..<c0+cg`, into `cols` (`[cg·KH·KW, rowStride]`,
    /// rowStride defaulting to OH·OW).
    /// Positions that fall in the padding are never written, so a buffer zeroed once stays valid
    /// across images and groups of the same geometry.
    @inline(__always)
    static func im2col(_ x: UnsafePointer<Float>, into cols: UnsafeMutablePointer<Float>, img: Int, c: Int, h: Int,
                       w: Int,
                       c0: Int, cg: Int, g: Conv2dGeometry, oh: Int, ow: Int, rowStride: Int? = nil) {
        let l = rowStride ?? oh * ow
        if g.stride == (1, 1) && g.dilation == (1, 1) {
            prune_im2col_unit(x + (img * c + c0) * h * w, Int64(cg), Int64(h), Int64(w), Int64(g.kernel.h),
                              Int64(g.kernel.w), Int64(g.padding.h), Int64(g.padding.w), Int64(oh), Int64(ow), cols,
                              Int64(l))
            return
        }
        prune_im2col_general(x + (img * c + c0) * h * w, Int64(cg), Int64(h), Int64(w), Int64(g.kernel.h),
                             Int64(g.kernel.w), Int64(g.stride.h), Int64(g.stride.w), Int64(g.padding.h),
                             Int64(g.padding.w), Int64(g.dilation.h), Int64(g.dilation.w), Int64(oh), Int64(ow), cols,
                             Int64(l))
    }

    /// The patches of image `image` of `input` (`[N, C, H, W]`, groups = 1) as rows of a
    /// `[C·KH·KW, rowStride]` matrix written into `cols` (columns `0..<OH·OW`; the rest untouched),
    /// for convolution kernels outside this module (sparse convolution). As with im2col, positions
    /// in the padding are never written: `cols` must be zeroed once per geometry. Returns (OH, OW).
    public static func patches(_ input: Tensor, image: Int, geometry g: Conv2dGeometry,
                               into cols: UnsafeMutablePointer<Float>, rowStride: Int) throws -> (h: Int, w: Int) {
        guard input.rank == 4, g.groups == 1, image >= 0, image < input.shape[0] else {
            throw TensorError.shapeMismatch(op: "patches", shapes: [input.shape],
                                            reason: "needs [N, C, H, W], groups = 1 and an image index in range")
        }
        let c = input.shape[1], h = input.shape[2], w = input.shape[3]
        let size = try g.outputSize(h: h, w: w, op: "patches")
        let l = size.h * size.w
        guard rowStride >= l else {
            throw TensorError.invalidArgument(op: "patches", reason: "row stride \(rowStride) < \(l) positions")
        }
        input.scalars.withUnsafeBufferPointer { xp in
            im2col(xp.baseAddress!, into: cols, img: image, c: c, h: h, w: w, c0: 0, cg: c, g: g, oh: size.h,
                   ow: size.w, rowStride: rowStride)
        }
        return size
    }

    /// Adds a patch matrix back into image `img` of `dx` (the adjoint of im2col).
    @inline(__always)
    static func col2im(_ cols: UnsafePointer<Float>, into dxp: UnsafeMutablePointer<Float>, img: Int, c: Int, h: Int,
                       w: Int,
                       c0: Int, cg: Int, g: Conv2dGeometry, oh: Int, ow: Int) {
        let l = oh * ow
        if g.stride == (1, 1) && g.dilation == (1, 1) {
            prune_col2im_unit(cols, Int64(l), Int64(cg), Int64(h), Int64(w), Int64(g.kernel.h), Int64(g.kernel.w),
                              Int64(g.padding.h), Int64(g.padding.w), Int64(oh), Int64(ow),
                              dxp + (img * c + c0) * h * w)
            return
        }
        prune_col2im_general(cols, Int64(l), Int64(cg), Int64(h), Int64(w), Int64(g.kernel.h), Int64(g.kernel.w),
                             Int64(g.stride.h), Int64(g.stride.w), Int64(g.padding.h), Int64(g.padding.w),
                             Int64(g.dilation.h), Int64(g.dilation.w), Int64(oh), Int64(ow),
                             dxp + (img * c + c0) * h * w)
    }

    /// The extents of one convolution: input channels and plane, filters, output plane, geometry.
    struct ConvDims {
        let c: Int, h: Int, w: Int, o: Int, oh: Int, ow: Int, g: Conv2dGeometry
        var cg: Int { c / g.groups }
        var og: Int { o / g.groups }
        var kk: Int { g.kernel.h * g.kernel.w }
        var l: Int { oh * ow }
        /// Whether the window moves more than one position at a time along either axis.
        var strided: Bool { g.stride.h * g.stride.w > 1 }
    }

    /// The backward pass over some images on one core: adds their weight gradient into `dw` (when given: else it
    /// is taken directly, ``directWeightGradient(_:dims:x:gradOutput:acc:)``) and, when `dx` is given, writes
    /// their input gradient through a patch matrix (a 1×1 convolution's is the input).
    /// `adjoint` holds the filters' transposes packed once for all images, when they are.
    static func backwardImages(_ images: Range<Int>, dims d: ConvDims, x xb: UnsafePointer<Float>,
                               weight wb: UnsafePointer<Float>, gradOutput gb: UnsafePointer<Float>,
                               dw: UnsafeMutablePointer<Float>?, dx dxb: UnsafeMutablePointer<Float>?,
                               adjoint: PackedFilters?) {
        let pointwise = isPointwise(d.g), (cg, og, kk, l) = (d.cg, d.og, d.kk, d.l)
        var cols = [Float](repeating: 0, count: dw != nil && !pointwise ? cg * kk * l : 0)
        var dcols = [Float](repeating: 0, count: dxb != nil && !pointwise ? cg * kk * l : 0)
        cols.withUnsafeMutableBufferPointer { cp in
            dcols.withUnsafeMutableBufferPointer { dp in
                for img in images {
                    for gi in 0..<d.g.groups {
                        let gout = gb + (img * d.o + gi * og) * l, plane = (img * d.c + gi * cg) * l
                        if let dw {
                            if !pointwise {
                                im2col(xb, into: cp.baseAddress!, img: img, c: d.c, h: d.h, w: d.w, c0: gi * cg,
                                       cg: cg, g: d.g, oh: d.oh, ow: d.ow)
                            }
                            let patches: UnsafePointer<Float> = pointwise ? xb + plane : UnsafePointer(cp.baseAddress!)
                            gemm(gout, patches, dw + gi * og * cg * kk, m: og, n: cg * kk, k: l, transB: true, beta: 1)
                        }
                        guard let dxb else { continue }
                        // The patch matrix of a pointwise convolution is the input itself: its gradient too.
                        let target = pointwise ? dxb + plane : dp.baseAddress!
                        if adjoint?.product(group: gi, rows: 0..<(cg * kk), gout, ldb: l, n: l, beta: 0, target,
                                            ldc: l) != true {
                            gemm(wb + gi * og * cg * kk, gout, target, m: cg * kk, n: l, k: og, transA: true)
                        }
                        if !pointwise {
                            col2im(dp.baseAddress!, into: dxb, img: img, c: d.c, h: d.h, w: d.w, c0: gi * cg, cg: cg,
                                   g: d.g, oh: d.oh, ow: d.ow)
                        }
                    }
                }
            }
        }
    }

    /// A 1×1 convolution with stride 1 and no padding: its patch matrix is the input itself.
    static func isPointwise(_ g: Conv2dGeometry) -> Bool {
        g.kernel == (1, 1) && g.stride == (1, 1) && g.padding == (0, 0)
    }

    /// Splits `n` images into one contiguous range per core and runs `body(chunk, range)` on each,
    /// with BLAS single-threaded inside.
    static func perCoreImages(_ n: Int, work: Int, _ body: (Int, Range<Int>) -> Void) -> Int {
        let chunks = work < 200_000 ? 1 : Swift.min(ProcessInfoCores.serialOverride ? 1 : ProcessInfoCores.count, n)
        BLASThreads.singleThreaded { runRangesOnPool(n, parts: chunks, body) }
        return chunks
    }

    /// How one image's product `[og, K]·[K, l]` is cut over the cores when there are fewer images than
    /// cores (batch 1): by output positions (columns) or by filters (rows), whichever repeats less work.
    /// A column cut has every core read all the filters (and pack them, unless they are packed once); a row
    /// cut has every core pack all the patches, which costs about three reads of a filter value per patch
    /// value when they are read straight from the image (`implicit`). One part when the batch already fills
    /// the cores or the work is small.
    struct ProductCut {
        var byRows: Bool
        var parts: Int
        /// Whether each core multiplies whole images of its own (a batch at least as large as the cores).
        var wholeImages: Bool

        /// The least work (multiply-adds) cut over the cores. A small product with a short k is bound by
        /// its output's stores, not its arithmetic, and the worker pool starts a part in microseconds:
        /// SqueezeNet's 1×1 layers of 0.3–2M multiply-adds (batch 1, pruned) ran on one core under the
        /// former 2M (a 64 → 8 1×1 layer over 55×55 alone: 0.08 → 0.05 ms; SqueezeNet's convolutions once
        /// pruned: 2.87–2.97 → 2.75–2.86 ms).
        static let minimum = 250_000

        init(images n: Int, filters og: Int, columns l: Int, work: Int, implicit: Bool = false) {
            let cores = ProcessInfoCores.serialOverride ? 1 : ProcessInfoCores.count
            wholeImages = n >= cores
            byRows = l < 32 || og > l * (implicit ? 3 : 1)
            guard n < cores, work >= ProductCut.minimum else { parts = 1; return }
            parts = byRows ? Swift.min(cores, og / 24) : Swift.min(cores, l / 16)
            parts = Swift.max(1, parts)
        }
    }

    /// C = A·B (+ C when beta is 1) with BLAS, cut as `cut` says, one sgemm per range on its own core (the
    /// ranges' edge kernels may round differently from one whole product: within float rounding of it, and
    /// fixed for a given cut). `after(rows, columns)` runs on each part's block of C once it is computed.
    static func gemmCut(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                        m: Int, n: Int, k: Int, beta: Float, cut: ProductCut,
                        after: ((Range<Int>, Range<Int>) -> Void)? = nil) {
        if cut.parts <= 1 {
            gemm(a, b, c, m: m, n: n, k: k, beta: beta)
            after?(0..<m, 0..<n)
            return
        }
        forEachPart(rows: m, columns: n, cut: cut) { r, q in
            sgemm(transA: false, transB: false, m: r.count, n: q.count, k: k, alpha: 1, a + r.lowerBound * k,
                  lda: k, b + q.lowerBound, ldb: n, beta: beta, c + r.lowerBound * n + q.lowerBound, ldc: n)
            after?(r, q)
        }
    }

    /// Convolution forward pass; `epilogue` (inference) is applied to each block of the output as soon as
    /// it is computed; `packed`, the weight packed once (kept by the layer between inference calls), is used
    /// when it fits.
    public static func conv2d(_ input: Tensor, weight: Tensor, bias: Tensor?, geometry g: Conv2dGeometry,
                              epilogue: OutputEpilogue? = nil, packed given: PackedFilters? = nil) throws -> Tensor {
        let (oh, ow) = try checkConv(input, weight, bias, g)
        let n = input.shape[0], c = input.shape[1], h = input.shape[2], w = input.shape[3]
        let o = weight.shape[0], cg = c / g.groups, og = o / g.groups
        let kk = g.kernel.h * g.kernel.w, l = oh * ow
        if let epilogue, !epilogue.accepts(outputShape: [n, o, oh, ow]) {
            throw TensorError.invalidArgument(op: "conv2d", reason: "the epilogue does not fit the output "
                                                + "[\(n), \(o), \(oh), \(ow)]")
        }
        if n * o * l == 0 { return Tensor(unchecked: [n, o, oh, ow], []) }
        if cg == 1 {
            return depthwise(input, weight: weight, bias: bias, geometry: g, oh: oh, ow: ow, epilogue: epilogue)
        }
        let dims = ConvDims(c: c, h: h, w: w, o: o, oh: oh, ow: ow, g: g)
        if runsDirect(dims) {
            let panels = given?.direct.flatMap { $0.fits(groups: g.groups, rows: og, columns: cg * kk) ? $0 : nil }
            return directConv(input, weight: weight, bias: bias, dims: dims, epilogue: epilogue, panels: panels)
        }
        // Every output is written (the bias fill, or products with beta 0, which never read C): no zeroing
        // pass, but for matrix-vector products (one filter or one position), which BLAS may scale by beta.
        let out = [Float](unsafeUninitializedCapacity: n * o * l) { buf, filled in
            if bias == nil && (og == 1 || l == 1) { buf.initialize(repeating: 0) }
            input.scalars.withUnsafeBufferPointer { xp in
                weight.scalars.withUnsafeBufferPointer { wp in
                    nonisolated(unsafe) let xb = xp.baseAddress!, wb = wp.baseAddress!, ob = buf.baseAddress!
                    let d = ConvDims(c: c, h: h, w: w, o: o, oh: oh, ow: ow, g: g), work = n * o * l * cg * kk
                    // The layer's packed copy when given; else packed once when each core multiplies several
                    // images by them (at batch 1 the sgemm's own packing, block by block in cache, is faster
                    // than packing a whole copy per call).
                    let fits = given?.fits(groups: g.groups, rows: og, columns: cg * kk) == true
                    let packed = fits ? given : n > ProcessInfoCores.count
                        ? PackedFilters(wb, groups: g.groups, rows: og, columns: cg * kk) : nil
                    let cut = ProductCut(images: n, filters: og, columns: l, work: work,
                                         implicit: packed != nil && !isPointwise(g))
                    withOptionalPointer(bias?.scalars) { bp in
                        nonisolated(unsafe) let biasBase = bp
                        _ = perCoreImages(n, work: work) { _, images in
                            if let packed {
                                packedImages(images, dims: d, x: xb, weight: wb, bias: biasBase, out: ob, cut: cut,
                                             packed: packed, epilogue: epilogue)
                            } else {
                                forwardImages(images, dims: d, x: xb, weight: wb, bias: bias?.scalars, out: ob,
                                              cut: cut, epilogue: epilogue)
                            }
                        }
                    }
                }
            }
            filled = n * o * l
        }
        return Tensor(unchecked: [n, o, oh, ow], out)
    }

    /// The forward pass over some images on one core when the filters are not packed (BLAS does the products):
    /// per image and group, the patch matrix (the input itself for a pointwise convolution), the bias, the
    /// product (cut over the cores as `cut` says) and the epilogue on each block of it.
    static func forwardImages(_ images: Range<Int>, dims d: ConvDims, x xb: UnsafePointer<Float>,
                              weight wb: UnsafePointer<Float>, bias: [Float]?, out ob: UnsafeMutablePointer<Float>,
                              cut: ProductCut, epilogue: OutputEpilogue?) {
        let pointwise = isPointwise(d.g), (cg, og, kk, l) = (d.cg, d.og, d.kk, d.l)
        // Zeroed once for all the images: im2col never writes the positions in the padding.
        var cols = [Float](repeating: 0, count: pointwise ? 0 : cg * kk * l)
        cols.withUnsafeMutableBufferPointer { cp in
            for img in images {
                for gi in 0..<d.g.groups {
                    let patches: UnsafePointer<Float> = pointwise
                        ? xb + (img * d.c + gi * cg) * l : UnsafePointer(cp.baseAddress!)
                    if !pointwise {
                        im2col(xb, into: cp.baseAddress!, img: img, c: d.c, h: d.h, w: d.w, c0: gi * cg, cg: cg,
                               g: d.g, oh: d.oh, ow: d.ow)
                    }
                    let dst = ob + (img * d.o + gi * og) * l
                    if let bias {
                        for oc in 0..<og { (dst + oc * l).update(repeating: bias[gi * og + oc], count: l) }
                    }
                    let after = epilogue.map { e in { (r: Range<Int>, q: Range<Int>) in
                        e.apply(ob, OutputBlock(image: img, channelCount: d.o, plane: l,
                                                channels: gi * og + r.lowerBound ..< gi * og + r.upperBound,
                                                positions: q))
                    } }
                    gemmCut(wb + gi * og * cg * kk, patches, dst, m: og, n: l, k: cg * kk, beta: bias == nil ? 0 : 1,
                            cut: cut, after: after)
                }
            }
        }
    }

    /// A convolution whose filters each read one input channel (depthwise, channel multiplier og),
    /// directly (``prune_depthwise_f32``): ranges of input planes per task, each plane laid out once for
    /// its og filters; no patch matrix.
    static func depthwise(_ input: Tensor, weight: Tensor, bias: Tensor?, geometry g: Conv2dGeometry, oh: Int,
                          ow: Int, epilogue: OutputEpilogue?) -> Tensor {
        let n = input.shape[0], c = input.shape[1], h = input.shape[2], w = input.shape[3], o = weight.shape[0]
        let og = o / c, kk = g.kernel.h * g.kernel.w, l = oh * ow
        let window = planeWindow(ConvDims(c: c, h: h, w: w, o: o, oh: oh, ow: ow, g: g))
        let planes = n * c, work = planes * og * l * kk
        let parts = work < 32_768 || ProcessInfoCores.serialOverride ? 1
            : Swift.min(planes, 4 * ProcessInfoCores.count)
        let out = [Float](unsafeUninitializedCapacity: n * o * l) { buf, filled in
            input.scalars.withUnsafeBufferPointer { xp in
                weight.scalars.withUnsafeBufferPointer { wp in
                    withOptionalPointer(bias?.scalars) { bp in
                        nonisolated(unsafe) let xb = xp.baseAddress!, wb = wp.baseAddress!, ob = buf.baseAddress!
                        nonisolated(unsafe) let biasBase = bp
                        // Whole groups of 16 planes per part when each plane has one filter: the kernel runs
                        // those with the channels in vector lanes (depthwise_lanes.c).
                        // The epilogue's kernel form in registers where the kernel can (16 filters per plane
                        // at a time), else in one pass per range (BatchNorm and ReLU after a first layer were two).
                        withKernelForm(epilogue, channelCount: o) { kernel in
                            runRangesOnPool(planes, parts: parts, grain: og == 1 ? 16 : 1) { _, r in
                                let (first, count) = (Int64(r.lowerBound), Int64(r.count))
                                if var fused = kernel, prune_depthwise_epilogue_f32(
                                    xb, first, count, Int64(c), Int64(og), wb, biasBase, window, &fused, ob) != 0 {
                                    return
                                }
                                prune_depthwise_f32(xb, first, count, Int64(c), Int64(og), wb, biasBase, window, ob)
                                epilogue?.apply(ob, planes: r.lowerBound * og ..< r.upperBound * og,
                                                channelCount: o, plane: l, kernel: kernel)
                            }
                        }
                    }
                }
            }
            filled = n * o * l
        }
        return Tensor(unchecked: [n, o, oh, ow], out)
    }

    /// `body` with `epilogue`'s kernel form (nil without an epilogue or a kernel form).
    static func withKernelForm<R>(_ epilogue: OutputEpilogue?, channelCount: Int,
                                  _ body: (prune_epilogue?) -> R) -> R {
        guard let epilogue else { return body(nil) }
        return epilogue.withKernelEpilogue(channelCount: channelCount, body)
    }

    /// `body` with the address of `values`' storage, or nil when there are none.
    static func withOptionalPointer<R>(_ values: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
        guard let values else { return body(nil) }
        return values.withUnsafeBufferPointer { body($0.baseAddress) }
    }

    /// Convolution backward pass: gradients of input (when `needInput`), weight and bias. The weight gradient
    /// and, at stride 1, the input gradient are taken directly where the direct kernels run
    /// (``directWeightGradient(_:dims:x:gradOutput:acc:)``, ``directInputGradient(_:weight:dims:turned:)``),
    /// else through patch matrices and BLAS.
    public static func conv2dBackward(gradOutput: Tensor, input: Tensor, weight: Tensor, geometry g: Conv2dGeometry,
                                      needInput: Bool) -> (input: Tensor?, weight: Tensor, bias: Tensor) {
        let n = input.shape[0], o = weight.shape[0], l = gradOutput.shape[2] * gradOutput.shape[3]
        let dims = ConvDims(c: input.shape[1], h: input.shape[2], w: input.shape[3], o: o, oh: gradOutput.shape[2],
                            ow: gradOutput.shape[3], g: g)
        let dB = biasGradient(gradOutput, images: n, channels: o, plane: l)
        let turned = needInput && n * l > 0 ? directInputDims(dims) : nil
        var (dW, dX) = backwardProducts(gradOutput: gradOutput, input: input, weight: weight, dims: dims,
                                        inputGradient: needInput && turned == nil)
        if let turned { dX = directInputGradient(gradOutput, weight: weight, dims: dims, turned: turned) }
        return (needInput ? Tensor(unchecked: input.shape, dX) : nil, Tensor(unchecked: weight.shape, dW),
                Tensor(unchecked: [o], dB))
    }

    /// The bias gradient: per output channel, its planes' sums (``prune_sum_f32``) added image by image in
    /// order; the channels over the cores (each channel's additions in the same order whatever the split).
    static func biasGradient(_ gradOutput: Tensor, images n: Int, channels o: Int, plane l: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: o) { db, filled in
            gradOutput.scalars.withUnsafeBufferPointer { gp in
                nonisolated(unsafe) let gb = gp.baseAddress, out = db.baseAddress
                parallelFor(o, work: n * l) { oc in
                    var sum: Float = 0
                    if let gb, l > 0 { for img in 0..<n { sum += prune_sum_f32(gb + (img * o + oc) * l, Int64(l)) } }
                    out?[oc] = sum
                }
            }
            filled = o
        }
    }

    /// The weight gradient of `d` and, when `inputGradient`, the input gradient through patch matrices (else
    /// empty): images cut over the cores, each core adding its weight gradient into its own part, the parts added
    /// in a fixed order (deterministic for a thread count).
    static func backwardProducts(gradOutput: Tensor, input: Tensor, weight: Tensor, dims d: ConvDims,
                                 inputGradient: Bool) -> (weight: [Float], input: [Float]) {
        let n = input.shape[0], maxChunks = Swift.max(1, Swift.min(ProcessInfoCores.count, n))
        let sums = WeightGradientSums(dims: d, direct: runsDirectGradient(d))
        var partial = [Float](repeating: 0, count: maxChunks * sums.perCore)
        var dX = [Float](repeating: 0, count: inputGradient ? input.count : 0)
        guard n > 0 && weight.count > 0 && d.l > 0 else { return (sums.total(partial, chunks: maxChunks), dX) }
        input.scalars.withUnsafeBufferPointer { xp in
            weight.scalars.withUnsafeBufferPointer { wp in
                gradOutput.scalars.withUnsafeBufferPointer { gp in
                    partial.withUnsafeMutableBufferPointer { pp in
                        dX.withUnsafeMutableBufferPointer { dxp in
                            nonisolated(unsafe) let xb = xp.baseAddress!, wb = wp.baseAddress!, gb = gp.baseAddress!
                            nonisolated(unsafe) let pb = pp.baseAddress!, dxb = inputGradient ? dxp.baseAddress : nil
                            let adjoint = inputGradient && n > ProcessInfoCores.count
                                ? PackedFilters(wb, groups: d.g.groups, rows: d.cg * d.kk, columns: d.og,
                                                transposed: true) : nil
                            _ = perCoreImages(n, work: n * d.o * d.l * d.cg * d.kk) { chunk, images in
                                let part = pb + chunk * sums.perCore
                                if sums.direct {
                                    directWeightGradient(images, dims: d, x: xb, gradOutput: gb, acc: part)
                                }
                                backwardImages(images, dims: d, x: xb, weight: wb, gradOutput: gb,
                                               dw: sums.direct ? nil : part, dx: dxb, adjoint: adjoint)
                            }
                        }
                    }
                }
            }
        }
        return (sums.total(partial, chunks: maxChunks), dX)
    }
}
