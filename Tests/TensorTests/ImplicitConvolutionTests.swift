import CDenseKernels
@testable import PruneTensor
import XCTest

/// Convolutions with packed filters read their patches straight from the image (`patch_panels.c` through
/// ``prune_sgemm_prepacked_b``) and add the bias as they store: for strides 1 and 2 (the vector readers) and
/// 3 (value by value), padding, dilation, groups, kernels wider than the 16 taps a panel plan holds, planes
/// whose 32-column panels straddle several output rows, and batch-1 products cut over the cores by rows and
/// by columns — the same bits as the patch matrix (im2col) multiplied by the same sgemm after a bias fill,
/// and within rounding of direct loops.
final class ImplicitConvolutionTests: XCTestCase {
    typealias Case = (c: Int, o: Int, k: Int, s: Int, p: Int, d: Int, groups: Int, h: Int, w: Int)

    /// Products of at least `ProductCut.minimum` multiply-adds are cut over the cores at batch 1 and read the
    /// image; the small ones (and every batch larger than the cores) lay out the patch matrix. The last three
    /// are cut only since that minimum fell from 2M to 250k (a pointwise layer with k 8, 3×3 over 13×13,
    /// a pointwise layer into 8 filters).
    let cases: [Case] = [
        (16, 48, 5, 2, 2, 1, 1, 33, 31), (3, 64, 7, 2, 3, 1, 1, 47, 45), (24, 96, 3, 3, 1, 1, 2, 52, 50),
        (8, 64, 3, 1, 2, 2, 1, 25, 23), (4, 24, 17, 1, 8, 1, 1, 24, 22), (16, 96, 3, 2, 0, 2, 2, 41, 43),
        (32, 64, 3, 1, 1, 1, 1, 30, 30), (64, 160, 3, 1, 1, 1, 1, 7, 7), (3, 24, 7, 2, 3, 1, 1, 64, 64),
        (3, 8, 3, 1, 1, 1, 1, 7, 9), (4, 8, 1, 2, 0, 1, 1, 9, 9), (5, 9, 2, 1, 0, 1, 1, 3, 40),
        (8, 16, 1, 1, 1, 1, 1, 5, 5), (8, 32, 1, 1, 0, 1, 1, 55, 55), (16, 64, 3, 1, 1, 1, 1, 13, 13),
        (64, 8, 1, 1, 0, 1, 1, 27, 27),
    ]

    /// A case's input (`images` of them), filters, bias and geometry, drawn from `rng`.
    func operands(_ cf: Case, images: Int, using rng: inout RandomGenerator)
        -> (x: Tensor, w: Tensor, bias: Tensor, geo: Conv2dGeometry) {
        let x = Tensor.normal([images, cf.c, cf.h, cf.w], using: &rng)
        let w = Tensor.normal([cf.o, cf.c / cf.groups, cf.k, cf.k], using: &rng)
        let bias = Tensor.normal([cf.o], using: &rng)
        let geo = Conv2dGeometry(kernel: (cf.k, cf.k), stride: (cf.s, cf.s), padding: (cf.p, cf.p),
                                 dilation: (cf.d, cf.d), groups: cf.groups)
        return (x, w, bias, geo)
    }

    func testPatchesReadFromTheImageGiveTheIm2colProduct() throws {
        var rng = RandomGenerator(seed: 31)
        for cf in cases {
            let (x, w, bias, geo) = operands(cf, images: 1, using: &rng)
            let packed = PackedFilters(filters: w, groups: cf.groups)
            XCTAssertEqual(packed != nil, prune_sgemm_available() != 0, "packed where Prune's sgemm runs")
            let (oh, ow) = try geo.outputSize(h: cf.h, w: cf.w, op: "test")
            let work = cf.o * oh * ow * cf.c / cf.groups * cf.k * cf.k
            let cut = Tensor.ProductCut(images: 1, filters: cf.o / cf.groups, columns: oh * ow, work: work,
                                        implicit: true)
            if ProcessInfoCores.count > 1 && work >= Tensor.ProductCut.minimum {
                XCTAssertGreaterThan(cut.parts, 1, "\(cf) is cut")
            }
            let direct = directConvolution(x, w, nil, cf, outputShape: [1, cf.o, oh, ow])
            for b in [bias, nil] {
                let implicit = try Tensor.conv2d(x, weight: w, bias: b, geometry: geo, packed: packed)
                let plane = oh * ow
                let want = direct.enumerated().map { i, v in v + (b?.scalars[i / plane] ?? 0) }
                let worst = zip(implicit.scalars, want).map { Swift.abs($0 - $1) / (1 + Swift.abs($1)) }.max()
                XCTAssertLessThan(worst ?? 0, 1e-4, "\(cf), bias \(b != nil)")
                guard packed != nil else { continue }
                let im2col = try Tensor.conv2d(x, weight: w, bias: b, geometry: geo)
                XCTAssertEqual(implicit.scalars, im2col.scalars, "\(cf), bias \(b != nil): bits of im2col")
            }
        }
    }

    /// Every sgemm kernel set the CPU runs (`patch_panels.c`'s AVX-512 rows, `patch_panels_avx2.c`'s AVX2 ones)
    /// reads the same patches and gives the same bits, within rounding of direct loops.
    func testEveryKernelSetReadsTheSamePatches() throws {
        var rng = RandomGenerator(seed: 33)
        for cf in cases {
            let (x, w, bias, geo) = operands(cf, images: 1, using: &rng)
            let outs = try underEachSgemmKernelSet {
                try Tensor.conv2d(x, weight: w, bias: bias, geometry: geo,
                                  packed: PackedFilters(filters: w, groups: cf.groups))
            }
            XCTAssertEqual(outs.isEmpty, prune_sgemm_available() == 0, "no kernel set ran")
            guard let first = outs.first else { continue }
            let direct = directConvolution(x, w, bias, cf, outputShape: first.result.shape)
            for (set, out) in outs {
                let worst = zip(out.scalars, direct).map { Swift.abs($0 - $1) / (1 + Swift.abs($1)) }.max()
                XCTAssertLessThan(worst ?? 0, 1e-4, "\(set): \(cf)")
                XCTAssertEqual(out.scalars, first.result.scalars, "\(set) and \(first.set) differ: \(cf)")
            }
        }
    }

    /// A batch larger than the cores packs the filters itself and reads every image's patches the same way:
    /// each image's output has the bits of that image alone (through im2col at batch 1).
    func testEveryImageOfABatchGivesItsOwnIm2colProduct() throws {
        var rng = RandomGenerator(seed: 32)
        let n = ProcessInfoCores.count + 2
        for cf in cases.prefix(6) {
            let (x, w, bias, geo) = operands(cf, images: n, using: &rng)
            let batch = try Tensor.conv2d(x, weight: w, bias: bias, geometry: geo)
            for img in [0, n - 1] {
                let alone = try Tensor.conv2d(try x.slice(axis: 0, start: img, end: img + 1), weight: w, bias: bias,
                                              geometry: geo)
                let mine = Array(batch.scalars[(img * alone.count)..<((img + 1) * alone.count)])
                if prune_sgemm_available() != 0 {
                    XCTAssertEqual(mine, alone.scalars, "\(cf), image \(img)")
                } else {
                    let worst = zip(mine, alone.scalars).map { Swift.abs($0 - $1) / (1 + Swift.abs($1)) }.max()
                    XCTAssertLessThan(worst ?? 0, 1e-5, "\(cf), image \(img)")
                }
            }
        }
    }

    /// y[o, oy, ox] = bias[o] + Σ w[o, ci, i, j]·x[g·cg + ci, oy·s − p + i·d, ox·s − p + j·d] in double, over flat
    /// arrays.
    func directConvolution(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ cf: Case, outputShape: [Int]) -> [Float] {
        let oh = outputShape[2], ow = outputShape[3], cg = cf.c / cf.groups, og = cf.o / cf.groups
        let xs = x.scalars, ws = w.scalars, k = cf.k
        var y: [Float] = []
        for o in 0..<cf.o { for oy in 0..<oh { for ox in 0..<ow {
            var sum = Double(bias?.scalars[o] ?? 0)
            for ci in 0..<cg { for i in 0..<k { for j in 0..<k {
                let iy = oy * cf.s - cf.p + i * cf.d, ix = ox * cf.s - cf.p + j * cf.d
                guard iy >= 0, iy < cf.h, ix >= 0, ix < cf.w else { continue }
                let input = xs[((o / og * cg + ci) * cf.h + iy) * cf.w + ix]
                sum += Double(ws[((o * cg + ci) * k + i) * k + j]) * Double(input)
            } } }
            y.append(Float(sum))
        } } }
        return y
    }
}
