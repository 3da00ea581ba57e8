import CDenseKernels

/// Convolutions with few filters per patch value, run directly (``prune_conv_direct_f32``): the output positions
/// broadcast from the input and the filters in vector lanes, with no patch matrix to pack. For such a layer
/// (an image CNN's first: 3 channels into 32–96 filters) the sgemm spends about as long packing the patches as
/// multiplying them, since each packed value meets only that many filters. Patches of a few values at a stride
/// (3×3 over 3 channels) put the output positions in the lanes instead (``prune_conv_rows_f32``). Both sum in
/// the packed product's order, so the same bits.
extension Tensor {
    /// Whether `conv2d` may run convolutions directly (tests turn it off to compare with the packed product).
    @TaskLocal static var allowsDirectConvolution = true

    /// Whether the direct kernels run: where Prune's sgemm runs its AVX2 or AVX-512 kernels (the direct kernel is
    /// their tile turned around, in the same instruction set; asked on each call, as tests switch the kernel sets).
    static var directKernelsRun: Bool { directKernelSet != nil }

    /// Whether the direct kernels run their AVX-512 tiles (``directKernelsRun`` on the AVX-512 kernel set).
    static var directKernelsWide: Bool { directKernelSet == "AVX-512" }

    /// The sgemm kernel set in use where the direct kernels have tiles for it.
    private static var directKernelSet: String? {
        let set = prune_sgemm_kernels().map { String(cString: $0) }
        return set == "AVX2" || set == "AVX-512" ? set : nil
    }

    /// Whether the forward pass takes the direct kernels: with the AVX2 sgemm only. Beside the AVX-512 sgemm
    /// (24 sums of 16 lanes per tile) the AVX-512 direct tiles ran the forward pass no faster in a batch
    /// (conv2d, 64 images, two cores, packed → direct, two rounds: LeNet-5's 16 → 32 filters of 5×5 over 14×14
    /// 3.54 / 3.72 → 4.07 / 3.61 ms, 32 → 32 of 3×3 over 14×14 1.77 / 2.23 → 2.68 / 2.66, 16 → 16 over 28×28
    /// 3.33 / 2.45 → 3.21 / 2.47), where the input and weight gradients gain (``directInputDims(_:)``,
    /// ``runsDirectGradient(_:)``).
    static var forwardRunsDirect: Bool { directKernelSet == "AVX2" }

    /// The most values in a patch (C/groups·KH·KW) that the direct kernel takes: 512 channels of 3×3 (the bound
    /// was 1,024). DenseNet-121's 3×3 layers, 128 channels into 32 filters over 56×56, spent 29% of their time
    /// packing patches that meet 32 filters each; one such layer at batch 1 1.83–2.61 → 1.48–1.61 ms directly
    /// (onnxruntime 1.32–1.36 in the same runs), 512 → 16 over 7×7 at batch 64 7.6–12.8 → 5.3–5.7 ms, 5×5
    /// 64 → 32 over 28×28 50–63 → 34–39 ms; none slower.
    static let directPatchLimit = 4_608

    /// The most filters per group that the direct kernel takes (over at least twice as many output positions; see
    /// ``runsDirect(_:)``), and so the most for which a layer keeps the filters packed for it.
    static let directFilterLimit = 96

    /// Whether `conv2d` runs `d` directly: where the AVX2 sgemm would run it (the direct kernel is its tile
    /// turned around, and runs wherever that one does) and packing its patches costs about as much as
    /// multiplying them. Measured at batch 1 and 16 (`bench onnx` on one-layer models, the packed product
    /// against the direct kernel): 7×7 stride 2 from 3 channels into 16 / 32 / 64 / 96 filters
    /// 0.78 / 1.11 / 1.71 / 2.36 → 0.44 / 0.78 / 1.48 / 2.21 ms, 11×11 stride 4 into 96 1.75 → 1.24 ms,
    /// 3×3 16 → 16 and 5×5 32 → 32 at 28×28 0.11 → 0.07 and 0.41 → 0.29 ms; even at 48 filters (stride 1),
    /// and slower with more, with a patch of 27 values (3×3 from 3 channels: the transposed stores weigh; such
    /// patches at a stride take the rows kernel, ``runsRows(_:)``) or a pointwise layer (its patches are not
    /// laid out). At a stride, more than 48 filters only over at least twice as many output positions: the
    /// kernel reads every filter once per range of positions, and a small plane has few (3×3 stride 2 from 64
    /// channels into 96 filters over 7×7, batch 1: 0.09–0.10 → 0.05–0.06 ms packed; at batch 64 3.7–3.8 →
    /// 3.1–3.2; 64 filters over 7×7 0.07 → 0.05 and 2.6 → 2.4; 96 over 10×10 and 12×12 no better directly;
    /// 80–96 over 14×14 alike either way; 48 over 7×7 faster directly at batch 64, 1.34–1.38 against 1.48).
    /// At stride 1 the same rule since the direct kernel's later changes (it was 32 filters): one-layer models,
    /// the best of 4–8 runs of each in turns, packed → direct, batch 1 one core / batch 16 two cores: 64 → 64
    /// over 28×28 1.09 → 0.75 / 7.71 → 7.68 ms, 64 → 48 over 56×56 2.75 → 2.08 / 28.6 → 20.1, 32 → 64 over
    /// 56×56 1.66 → 1.44 / 15.4 → 13.3, 32 → 48 over 28×28 0.34 → 0.28 / 3.74 → 2.38, 128 → 96 over 28×28
    /// 2.24 → 2.01 / 19.8 → 18.0, 256 → 48 over 7×7 0.22 → 0.17 at batch 1; 128 → 128 alike either way.
    static func runsDirect(_ d: ConvDims) -> Bool {
        allowsDirectConvolution && forwardRunsDirect && directShapeFits(d)
    }

    /// Whether a convolution of shape `d` runs directly where the direct kernels do (``runsDirect(_:)``).
    static func directShapeFits(_ d: ConvDims) -> Bool {
        guard !isPointwise(d.g), d.l >= 48, d.cg * d.kk <= directPatchLimit else { return false }
        if runsRows(d) { return true }
        return d.cg * d.kk >= 64 && (d.og <= 48 || (d.og <= directFilterLimit && d.l >= 2 * d.og))
    }

    /// Whether the direct convolution of `d` puts output positions in the lanes (``prune_conv_rows_f32``):
    /// patches of fewer than 64 values at a stride, where the transposes of the filters-in-lanes kernel weigh
    /// against the few multiply-adds per output. One core, 3×3 windows over 3 channels: 24 filters at stride 2
    /// ~30 GMAC/s, where the packed product ran ShuffleNet's first layer at about 11 per core; in the models
    /// (per-node profile) ShuffleNet's first layer 0.30–0.45 → 0.23–0.30 ms, SqueezeNet's 0.35–0.38 → 0.31
    /// pruned. At stride 1 (VGG-19's first layer) no faster: its ReLU then runs as a separate pass over an
    /// output 4× larger, where the packed product applies it in registers.
    static func runsRows(_ d: ConvDims) -> Bool { d.cg * d.kk < 64 && d.strided }

    /// The convolution `d` of `input` directly, into a new tensor; with the filters as `panels` when the layer
    /// keeps them packed, else packed here once for a batch (each image's call packed them again).
    static func directConv(_ input: Tensor, weight: Tensor, bias: Tensor?, dims d: ConvDims,
                           epilogue: OutputEpilogue?, panels kept: DirectFilterPanels? = nil) -> Tensor {
        let n = input.shape[0]
        let panels = kept ?? (n > 1 && !runsRows(d) ? weight.scalars.withUnsafeBufferPointer {
            DirectFilterPanels($0.baseAddress!, groups: d.g.groups, rows: d.og, columns: d.cg * d.kk)
        } : nil)
        let out = [Float](unsafeUninitializedCapacity: n * d.o * d.l) { buf, filled in
            input.scalars.withUnsafeBufferPointer { xp in
                weight.scalars.withUnsafeBufferPointer { wp in
                    withOptionalPointer(bias?.scalars) { bp in
                        let source = DirectFilters(weights: wp.baseAddress!, panels: nil, perGroup: 0)
                        guard let panels else {
                            return directImages(n, dims: d, x: xp.baseAddress!, filters: source, bias: bp,
                                                out: buf.baseAddress!, epilogue: epilogue)
                        }
                        panels.withPanels { pp in
                            let packed = DirectFilters(weights: wp.baseAddress!, panels: pp, perGroup: panels.perGroup)
                            directImages(n, dims: d, x: xp.baseAddress!, filters: packed, bias: bp,
                                         out: buf.baseAddress!, epilogue: epilogue)
                        }
                    }
                }
            }
            filled = n * d.o * d.l
        }
        return Tensor(unchecked: [n, d.o, d.oh, d.ow], out)
    }

    /// The forward pass of `d` directly: per image, group and range of output positions (the positions of
    /// an image cut over the cores when the batch is smaller than they are), the kernel, then the epilogue on
    /// the block it wrote (its kernel form, ``prune_epilogue_rows_f32``, when every step has one).
    static func directImages(_ n: Int, dims d: ConvDims, x xb: UnsafePointer<Float>, filters: DirectFilters,
                             bias: UnsafePointer<Float>?, out ob: UnsafeMutablePointer<Float>,
                             epilogue: OutputEpilogue?) {
        guard let epilogue else {
            return directImages(n, dims: d, x: xb, filters: filters, bias: bias, out: ob, epilogue: nil, kernel: nil)
        }
        epilogue.withKernelEpilogue(channelCount: d.o) { kernel in
            directImages(n, dims: d, x: xb, filters: filters, bias: bias, out: ob, epilogue: epilogue,
                         kernel: kernel)
        }
    }

    /// The same with the epilogue's kernel form (nil when it has none: `epilogue` then runs on each block).
    static func directImages(_ n: Int, dims d: ConvDims, x xb: UnsafePointer<Float>, filters source: DirectFilters,
                             bias: UnsafePointer<Float>?, out ob: UnsafeMutablePointer<Float>,
                             epilogue: OutputEpilogue?, kernel kernelEpilogue: prune_epilogue?) {
        let cores = ProcessInfoCores.serialOverride ? 1 : ProcessInfoCores.count
        let cut = DirectCut(images: n, dims: d, cores: cores, rows: runsRows(d)), tasks = n * d.g.groups * cut.parts
        runRangesOnPool(tasks, parts: Swift.min(tasks, cores)) { _, range in
            for task in range {
                let img = task / (d.g.groups * cut.parts), gi = task / cut.parts % d.g.groups
                let (f, q) = cut.part(task % cut.parts)
                guard !f.isEmpty, !q.isEmpty else { continue }
                let dst = ob + (img * d.o + gi * d.og) * d.l + f.lowerBound * d.l
                directPart(img: img, group: gi, filters: f, positions: q, dims: d, x: xb, source: source,
                           bias: bias.map { $0 + gi * d.og + f.lowerBound }, rows: cut.rows, dst)
                let block = OutputBlock(image: img, channelCount: d.o, plane: d.l,
                                        channels: gi * d.og + f.lowerBound ..< gi * d.og + f.upperBound, positions: q)
                if var e = kernelEpilogue {
                    let c = dst + q.lowerBound
                    e.channel0 = Int64(block.channels.lowerBound)
                    e.origin = Int64(c - ob)
                    if prune_epilogue_rows_f32(&e, c, Int64(f.count), Int64(q.count), Int64(d.l)) != 0 { continue }
                }
                epilogue?.apply(ob, block)
            }
        }
    }

    /// Filters `f` of group `gi` at output positions `q` of image `img` into `dst` (the output plane of the first
    /// of them): the direct kernel (the rows kernel when `rows`), or the patch matrix and BLAS where it cannot run.
    static func directPart(img: Int, group gi: Int, filters f: Range<Int>, positions q: Range<Int>, dims d: ConvDims,
                           x xb: UnsafePointer<Float>, source: DirectFilters, bias: UnsafePointer<Float>?, rows: Bool,
                           _ dst: UnsafeMutablePointer<Float>) {
        let k = d.cg * d.kk, planes = xb + (img * d.c + gi * d.cg) * d.h * d.w, window = planeWindow(d)
        let weights = source.weights + gi * d.og * k
        let (q0, count) = (Int64(q.lowerBound), Int64(q.count))
        let ran = if let panels = source.panels, !rows {
            prune_conv_direct_packed_f32(planes, window, Int64(d.cg), panels + gi * source.perGroup + f.lowerBound * k,
                                         Int64(f.count), bias, q0, count, dst)
        } else {
            (rows ? prune_conv_rows_f32 : prune_conv_direct_f32)(planes, window, Int64(d.cg),
                                                                weights + f.lowerBound * k, Int64(f.count), bias,
                                                                q0, count, dst)
        }
        if ran == 0 {
            explicitPart(img: img, group: gi, rows: f, columns: q, dims: d, x: xb, weight: weights, bias: bias,
                         dst + q.lowerBound)
        }
    }
}
