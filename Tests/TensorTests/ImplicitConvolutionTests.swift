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

    let cases: [Case] = [
        (3, 8, 3, 1, 1, 1, 1, 7, 9), (4, 6, 5, 2, 2, 1, 1, 13, 11), (3, 5, 7, 2, 3, 1, 1, 23, 19),
        (6, 4, 3, 3, 1, 1, 2, 10, 12), (2, 7, 3, 1, 2, 2, 1, 9, 6), (4, 8, 1, 2, 0, 1, 1, 9, 9),
        (2, 3, 17, 1, 8, 1, 1, 20, 18), (5, 9, 2, 1, 0, 1, 1, 3, 40), (4, 4, 3, 2, 0, 2, 2, 15, 17),
        (32, 64, 3, 1, 1, 1, 1, 30, 30), (16, 160, 3, 1, 1, 1, 1, 7, 7), (3, 24, 7, 2, 3, 1, 1, 64, 64),
        (8, 16, 1, 1, 1, 1, 1, 5, 5),
    ]

    func testPatchesReadFromTheImageGiveTheIm2colProduct() throws {
        var rng = RandomGenerator(seed: 31)
        for cf in cases {
            let x = Tensor.normal([1, cf.c, cf.h, cf.w], using: &rng)
            let w = Tensor.normal([cf.o, cf.c / cf.groups, cf.k, cf.k], using: &rng)
            let bias = Tensor.normal([cf.o], using: &rng)
            let geo = Conv2dGeometry(kernel: (cf.k, cf.k), stride: (cf.s, cf.s), padding: (cf.p, cf.p),
                                     dilation: (cf.d, cf.d), groups: cf.groups)
            let packed = PackedFilters(filters: w, groups: cf.groups)
            XCTAssertEqual(packed != nil, prune_sgemm_available() != 0, "packed where Prune's sgemm runs")
            for b in [bias, nil] {
                let implicit = try Tensor.conv2d(x, weight: w, bias: b, geometry: geo, packed: packed)
                let direct = directConvolution(x, w, b, cf, outputShape: implicit.shape)
                let worst = zip(implicit.scalars, direct).map { Swift.abs($0 - $1) / (1 + Swift.abs($1)) }.max()
                XCTAssertLessThan(worst ?? 0, 1e-4, "\(cf), bias \(b != nil)")
                guard packed != nil else { continue }
                let im2col = try Tensor.conv2d(x, weight: w, bias: b, geometry: geo)
                XCTAssertEqual(implicit.scalars, im2col.scalars, "\(cf), bias \(b != nil): bits of im2col")
            }
        }
    }

    /// A batch larger than the cores packs the filters itself and reads every image's patches the same way:
    /// each image's output has the bits of that image alone (through im2col at batch 1).
    func testEveryImageOfABatchGivesItsOwnIm2colProduct() throws {
        var rng = RandomGenerator(seed: 32)
        let n = ProcessInfoCores.count + 2
        for cf in cases.prefix(6) {
            let x = Tensor.normal([n, cf.c, cf.h, cf.w], using: &rng)
            let w = Tensor.normal([cf.o, cf.c / cf.groups, cf.k, cf.k], using: &rng)
            let bias = Tensor.normal([cf.o], using: &rng)
            let geo = Conv2dGeometry(kernel: (cf.k, cf.k), stride: (cf.s, cf.s), padding: (cf.p, cf.p),
                                     dilation: (cf.d, cf.d), groups: cf.groups)
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

    /// y[o, oy, ox] = bias[o] + Σ w[o, ci, i, j]·x[g·cg + ci, oy·s − p + i·d, ox·s − p + j·d] in double.
    func directConvolution(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ cf: Case, outputShape: [Int]) -> [Float] {
        let oh = outputShape[2], ow = outputShape[3], cg = cf.c / cf.groups, og = cf.o / cf.groups
        var y: [Float] = []
        for o in 0..<cf.o { for oy in 0..<oh { for ox in 0..<ow {
            var sum = Double(bias?.scalars[o] ?? 0)
            for ci in 0..<cg { for i in 0..<cf.k { for j in 0..<cf.k {
                let iy = oy * cf.s - cf.p + i * cf.d, ix = ox * cf.s - cf.p + j * cf.d
                guard iy >= 0, iy < cf.h, ix >= 0, ix < cf.w else { continue }
                sum += Double(w[o, ci, i, j]) * Double(x[0, o / og * cg + ci, iy, ix])
            } } }
            y.append(Float(sum))
        } } }
        return y
    }
}
