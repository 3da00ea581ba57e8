import CDenseKernels
@testable import PruneTensor
import XCTest

/// Stride-1 convolutions whose output rows are as wide as their input rows have their patch panels read from
/// the image as shifted stretches of each plane (`shifted_panels.c`), also for a batch that each core
/// multiplies whole (no patch matrix laid out): tall and flat kernels, vertical padding other than the
/// horizontal, planes narrower than a panel and wider than two, panels that straddle many rows, k over
/// several blocks — every image the bits of the patch matrix (im2col) through the same sgemm, within
/// rounding of a direct sum in double.
final class ShiftedPanelsTests: XCTestCase {
    /// (channels, filters, kernel h × w, padding h, w, plane h × w)
    typealias Case = (c: Int, o: Int, kh: Int, kw: Int, ph: Int, pw: Int, h: Int, w: Int)

    let cases: [Case] = [
        (16, 32, 3, 3, 1, 1, 14, 14), (3, 16, 5, 5, 2, 2, 11, 37), (8, 12, 1, 7, 0, 3, 9, 17),
        (8, 20, 7, 1, 3, 0, 17, 9), (4, 8, 3, 3, 0, 1, 10, 6), (2, 7, 3, 5, 2, 2, 3, 2),
        (40, 24, 3, 3, 1, 1, 5, 5), (2, 16, 3, 3, 1, 1, 28, 28), (5, 9, 4, 5, 1, 2, 6, 70),
    ]

    func testEveryImageOfABatchHasThePatchMatrixBits() throws {
        var rng = RandomGenerator(seed: 67)
        let n = ProcessInfoCores.count + 3
        for cf in cases {
            let geo = Conv2dGeometry(kernel: (cf.kh, cf.kw), stride: (1, 1), padding: (cf.ph, cf.pw),
                                     dilation: (1, 1), groups: 1)
            let (oh, ow) = try geo.outputSize(h: cf.h, w: cf.w, op: "test")
            XCTAssertEqual(ow, cf.w, "\(cf): output rows as wide as the input's")
            let window = Tensor.planeWindow(geo, h: cf.h, w: cf.w, oh: oh, ow: ow)
            if prune_sgemm_kernels().map({ String(cString: $0) }) == "AVX-512" {
                XCTAssertEqual(prune_sgemm_packs_shifted_patches(window), 1, "\(cf) reads shifted rows")
            }
            let x = Tensor.normal([n, cf.c, cf.h, cf.w], using: &rng)
            let w = Tensor.normal([cf.o, cf.c, cf.kh, cf.kw], using: &rng)
            let bias = Tensor.normal([cf.o], using: &rng)
            let batch = try Tensor.conv2d(x, weight: w, bias: bias, geometry: geo)
            for img in 0..<n {
                let one = try x.slice(axis: 0, start: img, end: img + 1)
                let alone = try Tensor.conv2d(one, weight: w, bias: bias, geometry: geo)
                let mine = Array(batch.scalars[(img * alone.count)..<((img + 1) * alone.count)])
                XCTAssertEqual(mine, alone.scalars, "\(cf), image \(img): bits of the patch matrix")
                let want = directSum(one, w, bias, cf, oh: oh)
                let worst = zip(mine, want).map { Swift.abs($0 - $1) / (1 + Swift.abs($1)) }.max()
                XCTAssertLessThan(worst ?? 0, 1e-4, "\(cf), image \(img)")
            }
        }
    }

    /// y[o, oy, ox] = bias[o] + Σ w[o, ci, i, j]·x[ci, oy − ph + i, ox − pw + j] in double (one image).
    func directSum(_ x: Tensor, _ w: Tensor, _ bias: Tensor, _ cf: Case, oh: Int) -> [Float] {
        let xs = x.scalars, ws = w.scalars
        var y: [Float] = []
        for o in 0..<cf.o { for oy in 0..<oh { for ox in 0..<cf.w {
            var sum = Double(bias.scalars[o])
            for ci in 0..<cf.c { for i in 0..<cf.kh { for j in 0..<cf.kw {
                let iy = oy - cf.ph + i, ix = ox - cf.pw + j
                guard iy >= 0, iy < cf.h, ix >= 0, ix < cf.w else { continue }
                sum += Double(ws[((o * cf.c + ci) * cf.kh + i) * cf.kw + j]) * Double(xs[(ci * cf.h + iy) * cf.w + ix])
            } } }
            y.append(Float(sum))
        } } }
        return y
    }
}
