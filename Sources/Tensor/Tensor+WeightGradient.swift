import CDenseKernels

/// A convolution's weight gradient without a patch matrix (``prune_conv_weight_grad_f32``): the direct
/// convolution's tile with the patch values broadcast from the input and the output gradient's planes in the
/// vector lanes. Through the sgemm, each image's patches were laid out (im2col) and then packed again,
/// transposed, as the product's B (LeNet-5's training, batch 128: 10% of its time in those two copies). Each core
/// adds its images' gradients into its own accumulators, laid out transposed (`[C/groups·KH·KW, filters rounded
/// up to 16]` per group); ``WeightGradientSums/total(_:chunks:)`` turns them back, adding the cores' parts in a
/// fixed order (deterministic for a thread count). The sums run over the output positions in order, as the
/// product's do, in blocks added one after another.
extension Tensor {
    /// Whether `conv2dBackward` takes the weight gradient of `d` directly: where the direct kernels run and the
    /// patches would be laid out (a pointwise layer's patch matrix is its input, read where it is); with the
    /// AVX-512 tiles, for patches of at least 64 values (64 images on two cores, patch matrix → directly, two
    /// rounds: 16 → 32 filters of 5×5 over 14×14 4.03 / 3.94 → 2.91 / 2.98 ms, 16 → 16 of 3×3 over 28×28
    /// 4.01 / 4.10 → 3.65 / 3.80, 32 → 32 of 3×3 over 14×14 3.12 / 3.11 → 2.43 / 2.39; LeNet-5's first layer,
    /// 25 values, 0.82 / 0.81 → 0.92 / 0.91).
    static func runsDirectGradient(_ d: ConvDims) -> Bool {
        allowsDirectConvolution && directKernelsRun && !isPointwise(d.g) && (!directKernelsWide || d.cg * d.kk >= 64)
    }

    /// Where each core adds the weight gradient of its images, and the gradient they make together.
    struct WeightGradientSums {
        let dims: ConvDims
        /// Whether the cores add into the direct kernel's transposed accumulators (else into `[O, C/g·KH·KW]`).
        let direct: Bool

        /// The accumulators' row length: the filters of a group rounded up to whole panels of 16.
        var width: Int { Int(prune_conv_weight_grad_width(Int64(dims.og))) }
        /// Values of one group's transposed accumulator.
        var perGroup: Int { dims.cg * dims.kk * width }
        /// Values of one core's part.
        var perCore: Int { direct ? dims.g.groups * perGroup : dims.o * dims.cg * dims.kk }

        /// The weight gradient (`[O, C/groups, KH, KW]`, row-major) from the `chunks` parts in `partial`, added
        /// part after part from zero.
        func total(_ partial: [Float], chunks: Int) -> [Float] {
            let k = dims.cg * dims.kk, og = dims.og, width = width
            var dW = [Float](repeating: 0, count: dims.o * k)
            for chunk in 0..<chunks {
                let base = chunk * perCore
                guard direct else {
                    for i in 0..<dW.count { dW[i] += partial[base + i] }
                    continue
                }
                for gi in 0..<dims.g.groups {
                    let group = base + gi * perGroup
                    for f in 0..<og {
                        let row = (gi * og + f) * k
                        for v in 0..<k { dW[row + v] += partial[group + v * width + f] }
                    }
                }
            }
            return dW
        }
    }

    /// Adds the weight gradients of `images` into one core's transposed accumulators `acc`, per image and group;
    /// where the kernel cannot run (memory short), that image and group through its patch matrix and BLAS.
    static func directWeightGradient(_ images: Range<Int>, dims d: ConvDims, x xb: UnsafePointer<Float>,
                                     gradOutput gb: UnsafePointer<Float>, acc: UnsafeMutablePointer<Float>) {
        let sums = WeightGradientSums(dims: d, direct: true), window = planeWindow(d)
        for img in images {
            for gi in 0..<d.g.groups {
                let planes = xb + (img * d.c + gi * d.cg) * d.h * d.w, gout = gb + (img * d.o + gi * d.og) * d.l
                let target = acc + gi * sums.perGroup
                if prune_conv_weight_grad_f32(planes, window, Int64(d.cg), gout, Int64(d.og), target) == 0 {
                    explicitWeightGradient(img: img, group: gi, dims: d, x: xb, gout: gout, width: sums.width,
                                           acc: target)
                }
            }
        }
    }

    /// The same for one image and group through its patch matrix and BLAS, added into `acc` transposed.
    static func explicitWeightGradient(img: Int, group gi: Int, dims d: ConvDims, x xb: UnsafePointer<Float>,
                                       gout: UnsafePointer<Float>, width: Int, acc: UnsafeMutablePointer<Float>) {
        let k = d.cg * d.kk
        var cols = [Float](repeating: 0, count: k * d.l), product = [Float](repeating: 0, count: d.og * k)
        cols.withUnsafeMutableBufferPointer { cp in
            im2col(xb, into: cp.baseAddress!, img: img, c: d.c, h: d.h, w: d.w, c0: gi * d.cg, cg: d.cg, g: d.g,
                   oh: d.oh, ow: d.ow)
            gemm(gout, cp.baseAddress!, &product, m: d.og, n: k, k: d.l, transB: true)
        }
        for f in 0..<d.og { for v in 0..<k { acc[v * width + f] += product[f * k + v] } }
    }
}
