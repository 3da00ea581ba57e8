import CDenseKernels

/// Convolution products from packed filters (``prune_sgemm_prepacked_b``). A product cut over the cores
/// reads its patches straight from the image (an implicit GEMM): each core packs the sgemm's panels of the
/// patch matrix for its own range of outputs, block by block in cache, instead of one core laying out the
/// whole patch matrix first (im2col, megabytes for a 3×3 layer) while the others wait; a core that
/// multiplies whole images on its own lays each one's patches out. The bias is added as each tile is stored
/// rather than written over the output first, and a fused epilogue runs on each tile in registers. The same
/// operations, so the same bits, as im2col, a bias fill, the product with beta 1 and the epilogue's kernels.
extension Tensor {
    /// The window of the convolution `d` over one input plane, as the C kernels take it.
    static func planeWindow(_ d: ConvDims) -> prune_plane_window {
        planeWindow(d.g, h: d.h, w: d.w, oh: d.oh, ow: d.ow)
    }

    /// The window of geometry `g` (its padding the leading pads) from an h×w plane into oh×ow outputs, as the
    /// C kernels take it (convolutions and poolings).
    static func planeWindow(_ g: Conv2dGeometry, h: Int, w: Int, oh: Int, ow: Int) -> prune_plane_window {
        prune_plane_window(h: Int64(h), wd: Int64(w), kh: Int64(g.kernel.h), kw: Int64(g.kernel.w),
                           sh: Int64(g.stride.h), sw: Int64(g.stride.w), ph: Int64(g.padding.h),
                           pw: Int64(g.padding.w), dh: Int64(g.dilation.h), dw: Int64(g.dilation.w),
                           oh: Int64(oh), ow: Int64(ow))
    }

    /// Calls `part(rows, columns)` on each part of an `m × n` product cut as `cut` says, over the cores.
    static func forEachPart(rows m: Int, columns n: Int, cut: ProductCut,
                            _ part: (Range<Int>, Range<Int>) -> Void) {
        if cut.parts <= 1 { part(0..<m, 0..<n); return }
        if cut.byRows {
            // Ranges of whole 12-row panels of Prune's sgemm.
            runRangesOnPool(m, parts: cut.parts, grain: 12) { _, r in part(r, 0..<n) }
        } else {
            runRangesOnPool(n, parts: cut.parts, grain: 16) { _, q in part(0..<m, q) }
        }
    }

    /// The forward pass over some images on one core with the filters packed: per image and group, the
    /// product from the image (a pointwise convolution's patch matrix is the input itself), the bias added
    /// as it is stored, cut over the cores as `cut` says, and the epilogue on each tile in registers (or on
    /// each block after it when a step has no kernel form).
    static func packedImages(_ images: Range<Int>, dims d: ConvDims, x xb: UnsafePointer<Float>,
                             weight wb: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                             out ob: UnsafeMutablePointer<Float>, cut: ProductCut, packed: PackedFilters,
                             epilogue: OutputEpilogue?) {
        guard let epilogue else {
            return packedImages(images, dims: d, x: xb, weight: wb, bias: bias, out: ob, cut: cut, packed: packed,
                                epilogue: nil, kernelEpilogue: nil)
        }
        epilogue.withKernelEpilogue(channelCount: d.o) { kernel in
            packedImages(images, dims: d, x: xb, weight: wb, bias: bias, out: ob, cut: cut, packed: packed,
                         epilogue: epilogue, kernelEpilogue: kernel)
        }
    }

    /// Whether a core lays out each image's patch matrix first (im2col) and packs the panels from it: when it
    /// multiplies whole images on its own (a batch at least as large as the cores), where reading every panel
    /// from the image measured slower than the copy (ResNet-small training at batch 128: 2.4–2.8k against
    /// 2.8–2.9k samples/s), unless the sgemm packs the window's patch rows as shifted stretches of the plane
    /// (``prune_sgemm_packs_shifted_patches``: stride 1, output rows as wide as the input's, AVX-512; 32 images
    /// on one core, 16 → 32 filters of 3×3 over 14×14 717 → 517 µs, 16 → 16 over 28×28 1,744 → 1,106). The
    /// patches are read from the image when a product is cut over the cores, and when a batch smaller than the
    /// cores has too little work to cut (the small layers of a batch-1 run, where writing the patch matrix
    /// cost as much as the product).
    static func laysOutPatches(_ d: ConvDims, cut: ProductCut) -> Bool {
        !isPointwise(d.g) && cut.parts <= 1 && cut.wholeImages
            && prune_sgemm_packs_shifted_patches(planeWindow(d)) == 0
    }

    /// The same with the epilogue's kernel form (nil when it has none: `epilogue` then runs on each block).
    static func packedImages(_ images: Range<Int>, dims d: ConvDims, x xb: UnsafePointer<Float>,
                             weight wb: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                             out ob: UnsafeMutablePointer<Float>, cut: ProductCut, packed: PackedFilters,
                             epilogue: OutputEpilogue?, kernelEpilogue: prune_epilogue?) {
        let (cg, og, l) = (d.cg, d.og, d.l), window = planeWindow(d), layOut = laysOutPatches(d, cut: cut)
        // Zeroed once for all the images: im2col never writes the positions in the padding.
        var cols = [Float](repeating: 0, count: layOut ? cg * d.kk * l : 0)
        cols.withUnsafeMutableBufferPointer { cp in
            for img in images {
                for gi in 0..<d.g.groups {
                    let planes = xb + (img * d.c + gi * cg) * d.h * d.w, dst = ob + (img * d.o + gi * og) * l
                    if layOut {
                        im2col(xb, into: cp.baseAddress!, img: img, c: d.c, h: d.h, w: d.w, c0: gi * cg, cg: cg,
                               g: d.g, oh: d.oh, ow: d.ow)
                    }
                    let matrix: UnsafePointer<Float>? = layOut ? UnsafePointer(cp.baseAddress!)
                        : isPointwise(d.g) ? planes : nil
                    let groupBias = bias.map { $0 + gi * og }
                    forEachPart(rows: og, columns: l, cut: cut) { r, q in
                        let source = matrix.map {
                            prune_sgemm_b(matrix: $0 + q.lowerBound, ld: Int64(l), image: nil, window: window,
                                          column0: 0)
                        } ?? prune_sgemm_b(matrix: nil, ld: 0, image: planes, window: window,
                                           column0: Int64(q.lowerBound))
                        let c = dst + r.lowerBound * l + q.lowerBound, partBias = groupBias.map { $0 + r.lowerBound }
                        let block = OutputBlock(image: img, channelCount: d.o, plane: l,
                                                channels: gi * og + r.lowerBound ..< gi * og + r.upperBound,
                                                positions: q)
                        var kernel = kernelEpilogue
                        kernel?.channel0 = Int64(block.channels.lowerBound)
                        kernel?.origin = Int64(c - ob)
                        if !packed.product(group: gi, rows: r, source, n: q.count, bias: partBias, epilogue: kernel,
                                           c, ldc: l) {
                            explicitPart(img: img, group: gi, rows: r, columns: q, dims: d, x: xb,
                                         weight: wb + gi * og * cg * d.kk, bias: partBias, c)
                            kernel = nil
                        }
                        if kernel == nil { epilogue?.apply(ob, block) }
                    }
                }
            }
        }
    }

    /// One part of a group's product through a patch matrix and BLAS, for when the packed product cannot run
    /// (its packing buffers could not be allocated): the bias written first, then the product added.
    static func explicitPart(img: Int, group gi: Int, rows r: Range<Int>, columns q: Range<Int>, dims d: ConvDims,
                             x xb: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                             _ c: UnsafeMutablePointer<Float>) {
        let k = d.cg * d.kk, l = d.l
        var cols = [Float](repeating: 0, count: isPointwise(d.g) ? 0 : k * l)
        cols.withUnsafeMutableBufferPointer { cp in
            var patches = xb + (img * d.c + gi * d.cg) * l
            if !isPointwise(d.g) {
                im2col(xb, into: cp.baseAddress!, img: img, c: d.c, h: d.h, w: d.w, c0: gi * d.cg, cg: d.cg, g: d.g,
                       oh: d.oh, ow: d.ow)
                patches = UnsafePointer(cp.baseAddress!)
            }
            for i in 0..<r.count { (c + i * l).update(repeating: bias?[i] ?? 0, count: q.count) }
            sgemm(transA: false, transB: false, m: r.count, n: q.count, k: k, alpha: 1, weight + r.lowerBound * k,
                  lda: k, patches + q.lowerBound, ldb: l, beta: 1, c, ldc: l)
        }
    }
}
