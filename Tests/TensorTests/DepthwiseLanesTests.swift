import CDenseKernels
@testable import PruneTensor
import XCTest

/// Depthwise convolution of small planes with 16 (AVX-512) or 8 (AVX2) channels in the lanes of a vector
/// (`depthwise_lanes*.c`): the same bits as the row-vector path, which a call for one plane at a time
/// takes, for groups of planes that cross channel and image boundaries, strides, paddings, kernel sizes
/// and a tail of planes left over; and within float rounding of direct loops in Double.
final class DepthwiseLanesTests: XCTestCase {
    struct Case { let c: Int, k: Int, s: Int, p: Int, h: Int, w: Int }

    func window(_ cf: Case) -> prune_plane_window {
        let oh = (cf.h + 2 * cf.p - cf.k) / cf.s + 1, ow = (cf.w + 2 * cf.p - cf.k) / cf.s + 1
        return prune_plane_window(h: Int64(cf.h), wd: Int64(cf.w), kh: Int64(cf.k), kw: Int64(cf.k),
                                  sh: Int64(cf.s), sw: Int64(cf.s), ph: Int64(cf.p), pw: Int64(cf.p), dh: 1, dw: 1,
                                  oh: Int64(oh), ow: Int64(ow))
    }

    func testLanesGiveTheRowPathsBitsAndTheDefinition() {
        let cases = [Case(c: 24, k: 3, s: 1, p: 1, h: 7, w: 7), Case(c: 16, k: 3, s: 2, p: 1, h: 14, w: 14),
                     Case(c: 20, k: 5, s: 1, p: 2, h: 5, w: 9), Case(c: 17, k: 3, s: 3, p: 0, h: 10, w: 11),
                     Case(c: 32, k: 1, s: 1, p: 0, h: 4, w: 3), Case(c: 18, k: 3, s: 1, p: 1, h: 20, w: 31),
                     // Rows ending in runs of 2, 4, 5 and 6 outputs (each run length is its own kernel).
                     Case(c: 16, k: 3, s: 1, p: 1, h: 5, w: 10), Case(c: 8, k: 3, s: 1, p: 1, h: 3, w: 12),
                     Case(c: 9, k: 3, s: 1, p: 1, h: 3, w: 13), Case(c: 8, k: 3, s: 1, p: 1, h: 4, w: 6)]
        var rng = RandomGenerator(seed: 42)
        for cf in cases {
            let g = window(cf), images = 3, planes = images * cf.c
            let inPlane = cf.h * cf.w, outPlane = Int(g.oh * g.ow), kk = cf.k * cf.k
            let x = (0..<(planes * inPlane)).map { _ in rng.nextUniform() * 2 - 1 }
            let w = (0..<(cf.c * kk)).map { _ in rng.nextUniform() * 2 - 1 }
            let bias = (0..<cf.c).map { _ in rng.nextUniform() - 0.5 }
            var whole = [Float](repeating: .nan, count: planes * outPlane), single = whole
            whole.withUnsafeMutableBufferPointer { y in
                prune_depthwise_f32(x, 0, Int64(planes), Int64(cf.c), 1, w, bias, g, y.baseAddress!)
            }
            single.withUnsafeMutableBufferPointer { y in
                for p in 0..<planes { prune_depthwise_f32(x, Int64(p), 1, Int64(cf.c), 1, w, bias, g, y.baseAddress!) }
            }
            if let i = whole.indices.first(where: { whole[$0].bitPattern != single[$0].bitPattern }) {
                XCTFail("\(cf) output \(i): \(whole[i]), the row path \(single[i]) (not the same bits)")
            }
            let expected = reference(cf, g, x: x, w: w, bias: bias, planes: planes)
            for (i, (u, v)) in zip(whole, expected).enumerated() where abs(Double(u) - v) > 1e-5 * max(1, abs(v)) {
                XCTFail("\(cf) output \(i): \(u) against \(v)")
                break
            }
        }
    }

    /// y[p, oy, ox] = bias + Σ w·x over the taps inside the plane, in Double.
    func reference(_ cf: Case, _ g: prune_plane_window, x: [Float], w: [Float], bias: [Float],
                   planes: Int) -> [Double] {
        var out: [Double] = []
        let kk = cf.k * cf.k
        for p in 0..<planes {
            let f = p % cf.c
            for oy in 0..<Int(g.oh) {
                for ox in 0..<Int(g.ow) {
                    var s = Double(bias[f])
                    for i in 0..<cf.k {
                        for j in 0..<cf.k {
                            let iy = oy * cf.s - cf.p + i, ix = ox * cf.s - cf.p + j
                            guard iy >= 0, iy < cf.h, ix >= 0, ix < cf.w else { continue }
                            s += Double(w[f * kk + i * cf.k + j]) * Double(x[(p * cf.h + iy) * cf.w + ix])
                        }
                    }
                    out.append(s)
                }
            }
        }
        return out
    }
}
