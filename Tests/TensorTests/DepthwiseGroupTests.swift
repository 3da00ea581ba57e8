import CDenseKernels
@testable import PruneTensor
import XCTest

/// A plane read by 16 or more filters (a first layer over one channel) runs them sixteen at a time on AVX-512
/// (`depthwise_group16_avx512.c`), written straight into the output planes: every filter's plane has the bits
/// of that filter run alone (one filter at a time, `depthwise.c`'s blocks), and is within rounding of a sum in
/// double. Multipliers of 16, 20 (sixteen and four), 35 (sixteen twice and three alone) and 32; strides 1 to
/// 3, rows shorter than a vector, as long, and longer than two; several planes each read by its own filters.
final class DepthwiseGroupTests: XCTestCase {
    /// (planes, multiplier, kernel, stride, padding, plane h × w)
    typealias Case = (planes: Int, m: Int, k: Int, s: Int, p: Int, h: Int, w: Int)

    let cases: [Case] = [
        (2, 16, 3, 1, 1, 28, 28), (1, 20, 3, 2, 1, 28, 28), (3, 35, 5, 1, 2, 9, 40), (1, 32, 3, 3, 0, 17, 50),
        (2, 16, 3, 1, 0, 5, 18), (1, 16, 7, 2, 3, 33, 16), (2, 17, 1, 1, 0, 6, 7),
    ]

    func testEveryFilterHasTheBitsOfItsFilterAlone() throws {
        var rng = RandomGenerator(seed: 68)
        for cf in cases {
            let geo = Conv2dGeometry(kernel: (cf.k, cf.k), stride: (cf.s, cf.s), padding: (cf.p, cf.p))
            let (oh, ow) = try geo.outputSize(h: cf.h, w: cf.w, op: "test")
            let window = Tensor.planeWindow(geo, h: cf.h, w: cf.w, oh: oh, ow: ow)
            let filters = cf.planes * cf.m, kk = cf.k * cf.k, plane = oh * ow
            let x = Tensor.normal([cf.planes, cf.h, cf.w], using: &rng).scalars
            let w = Tensor.normal([filters, kk], using: &rng).scalars
            let bias = Tensor.normal([filters], using: &rng).scalars
            var y = [Float](repeating: .nan, count: filters * plane)
            prune_depthwise_f32(x, 0, Int64(cf.planes), Int64(cf.planes), Int64(cf.m), w, bias, window, &y)
            for f in 0..<filters {
                let p = f / cf.m, mine = Array(y[(f * plane)..<((f + 1) * plane)])
                var alone = [Float](repeating: .nan, count: plane)
                let input = Array(x[(p * cf.h * cf.w)..<((p + 1) * cf.h * cf.w)])
                prune_depthwise_f32(input, 0, 1, 1, 1, Array(w[(f * kk)..<((f + 1) * kk)]), [bias[f]], window, &alone)
                XCTAssertEqual(mine, alone, "\(cf), filter \(f): bits of the filter alone")
                let want = directSum(input, Array(w[(f * kk)..<((f + 1) * kk)]), bias[f], cf, oh: oh, ow: ow)
                let worst = zip(mine, want).map { Swift.abs($0 - $1) / (1 + Swift.abs($1)) }.max()
                XCTAssertLessThan(worst ?? 1, 1e-5, "\(cf), filter \(f)")
            }
        }
    }

    /// One filter over one plane in double.
    func directSum(_ x: [Float], _ w: [Float], _ bias: Float, _ cf: Case, oh: Int, ow: Int) -> [Float] {
        var y: [Float] = []
        for oy in 0..<oh { for ox in 0..<ow {
            var sum = Double(bias)
            for i in 0..<cf.k { for j in 0..<cf.k {
                let iy = oy * cf.s - cf.p + i, ix = ox * cf.s - cf.p + j
                guard iy >= 0, iy < cf.h, ix >= 0, ix < cf.w else { continue }
                sum += Double(w[i * cf.k + j]) * Double(x[iy * cf.w + ix])
            } }
            y.append(Float(sum))
        } }
        return y
    }
}
