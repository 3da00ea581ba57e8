import CDenseKernels
@testable import PruneTensor
import XCTest

/// The weight gradient without a patch matrix (`weight_gradient.c`): the kernel against the gradient's definition
/// summed in Double (strides, padding, dilation, rectangular kernels, filters that leave a partial panel of 16,
/// planes of several blocks of positions), added into what the accumulator held; and `conv2dBackward` with it
/// against the patch matrix and BLAS (groups, batches cut over 1–4 cores).
final class WeightGradientTests: XCTestCase {
    /// Channels, filters, kernel, stride, padding, dilation and input size.
    typealias Case = (c: Int, o: Int, kh: Int, kw: Int, s: (Int, Int), p: (Int, Int), d: Int, h: Int, w: Int)

    let cases: [Case] = [
        (16, 32, 5, 5, (1, 1), (2, 2), 1, 14, 14), (1, 16, 5, 5, (1, 1), (2, 2), 1, 28, 28),
        (3, 17, 3, 3, (2, 2), (1, 1), 1, 31, 29), (5, 8, 3, 5, (1, 2), (1, 2), 1, 10, 21),
        (4, 40, 3, 3, (1, 1), (0, 0), 2, 19, 23), (2, 5, 7, 7, (3, 3), (3, 3), 1, 40, 37),
        (7, 3, 2, 4, (2, 1), (0, 3), 1, 9, 8), (32, 64, 3, 3, (1, 1), (1, 1), 1, 8, 8),
    ]

    func window(_ cf: Case) -> prune_plane_window {
        let oh = (cf.h + 2 * cf.p.0 - cf.d * (cf.kh - 1) - 1) / cf.s.0 + 1
        let ow = (cf.w + 2 * cf.p.1 - cf.d * (cf.kw - 1) - 1) / cf.s.1 + 1
        return prune_plane_window(h: Int64(cf.h), wd: Int64(cf.w), kh: Int64(cf.kh), kw: Int64(cf.kw),
                                  sh: Int64(cf.s.0), sw: Int64(cf.s.1), ph: Int64(cf.p.0), pw: Int64(cf.p.1),
                                  dh: Int64(cf.d), dw: Int64(cf.d), oh: Int64(oh), ow: Int64(ow))
    }

    /// dW[f][(c·kh + i)·kw + j] by its definition in Double, with the sum of the terms' magnitudes (for the
    /// tolerance).
    func definition(_ x: [Float], _ gout: [Float], _ g: prune_plane_window, _ cf: Case) -> (value: [Double],
                                                                                            scale: [Double]) {
        let (oh, ow, kh, kw) = (Int(g.oh), Int(g.ow), cf.kh, cf.kw), k = cf.c * kh * kw
        var value = [Double](repeating: 0, count: cf.o * k), scale = value
        for f in 0..<cf.o { for c in 0..<cf.c { for i in 0..<kh { for j in 0..<kw {
            let v = (c * kh + i) * kw + j
            for oy in 0..<oh { for ox in 0..<ow {
                let y = oy * cf.s.0 - cf.p.0 + i * cf.d, xx = ox * cf.s.1 - cf.p.1 + j * cf.d
                guard y >= 0, y < cf.h, xx >= 0, xx < cf.w else { continue }
                let term = Double(gout[f * oh * ow + oy * ow + ox]) * Double(x[(c * cf.h + y) * cf.w + xx])
                value[f * k + v] += term
                scale[f * k + v] += Swift.abs(term)
            }}
        }}}}
        return (value, scale)
    }

    func testKernelAddsTheGradientByItsDefinition() throws {
        try XCTSkipIf(prune_conv_weight_grad_f32(nil, window(cases[0]), 0, nil, 0, nil) == 0,
                      "the weight-gradient kernel needs AVX2 and FMA")
        forEachSgemmKernelSet { set in checkKernelAgainstDefinition(set: set) }
    }

    func checkKernelAgainstDefinition(set: String) {
        var rng = RandomGenerator(seed: 41)
        for cf in cases {
            let g = window(cf), l = Int(g.oh * g.ow), k = cf.c * cf.kh * cf.kw
            let width = Int(prune_conv_weight_grad_width(Int64(cf.o)))
            XCTAssertEqual(width, (cf.o + 15) / 16 * 16)
            let x = Tensor.normal([cf.c * cf.h * cf.w], using: &rng).scalars
            let gout = Tensor.normal([cf.o * l], using: &rng).scalars
            let before = Tensor.normal([k * width], using: &rng).scalars
            var acc = before
            XCTAssertEqual(prune_conv_weight_grad_f32(x, g, Int64(cf.c), gout, Int64(cf.o), &acc), 1)
            let (value, scale) = definition(x, gout, g, cf)
            var worst = 0.0
            for f in 0..<width { for v in 0..<k {
                let got = Double(acc[v * width + f]), held = Double(before[v * width + f])
                guard f < cf.o else { XCTAssertEqual(got, held, "\(set): padding lane \(f) changed, \(cf)"); continue }
                let bound = 1e-6 * (scale[f * k + v] + Swift.abs(held) + 1)
                worst = Swift.max(worst, Swift.abs(got - held - value[f * k + v]) / bound)
            }}
            XCTAssertLessThanOrEqual(worst, 1, "\(set): \(cf)")
        }
    }

    /// `conv2dBackward` with the direct weight gradient (and, at stride 1, the input gradient as the convolution of
    /// the output gradient with the filters turned around) against the patch matrix and BLAS: the same gradients
    /// within float rounding, for groups, strides, dilation and batches (cut over the cores by whole images, each
    /// core adding into its own accumulators). Sums of up to 800 products of normal values: both paths round,
    /// in different orders (a filter tap not turned around, or a channel off by one, is off by O(1)).
    func testBackwardAgreesWithThePatchMatrix() throws {
        try forEachSgemmKernelSet { set in try checkBackward(set: set) }
    }

    func checkBackward(set: String) throws {
        var rng = RandomGenerator(seed: 43)
        let shapes: [(n: Int, c: Int, o: Int, k: Int, s: Int, p: Int, d: Int, groups: Int, h: Int, turned: Bool)] = [
            (5, 16, 32, 5, 1, 2, 1, 1, 14, true), (3, 8, 12, 3, 2, 1, 1, 2, 11, false),
            (1, 6, 20, 3, 1, 0, 1, 1, 9, true), (4, 3, 7, 7, 2, 3, 1, 1, 20, false),
            (7, 1, 16, 5, 1, 2, 1, 1, 28, true), (2, 16, 24, 3, 1, 1, 1, 2, 10, true),
            (3, 8, 16, 3, 1, 2, 2, 1, 12, true), (2, 4, 64, 3, 1, 1, 1, 1, 9, true),
            (3, 32, 16, 3, 1, 1, 1, 1, 12, true), (2, 32, 40, 3, 1, 1, 1, 2, 13, true),
            (2, 24, 8, 3, 1, 2, 2, 1, 15, true),
        ]
        for sh in shapes {
            let x = Tensor.normal([sh.n, sh.c, sh.h, sh.h], using: &rng)
            let wt = Tensor.normal([sh.o, sh.c / sh.groups, sh.k, sh.k], using: &rng)
            let geo = Conv2dGeometry(kernel: (sh.k, sh.k), stride: (sh.s, sh.s), padding: (sh.p, sh.p),
                                     dilation: (sh.d, sh.d), groups: sh.groups)
            let gout = Tensor.normal(try Tensor.conv2d(x, weight: wt, bias: nil, geometry: geo).shape, using: &rng)
            let dims = Tensor.ConvDims(c: sh.c, h: sh.h, w: sh.h, o: sh.o, oh: gout.shape[2], ow: gout.shape[3],
                                       g: geo)
            // The AVX-512 tiles take patches of at least 64 values and, for the input gradient, 16 channels a group.
            let wide = set == "AVX-512", cg = sh.c / sh.groups
            let gradient = Tensor.directKernelsRun && (!wide || cg * sh.k * sh.k >= 64)
            XCTAssertEqual(Tensor.runsDirectGradient(dims), gradient, "\(set): \(sh)")
            let input = Tensor.directKernelsRun && sh.turned && (!wide || cg >= 16)
            XCTAssertEqual(Tensor.directInputDims(dims) != nil, input, "\(set): \(sh)")
            let patches = Tensor.$allowsDirectConvolution.withValue(false) {
                Tensor.conv2dBackward(gradOutput: gout, input: x, weight: wt, geometry: geo, needInput: true)
            }
            let direct = Tensor.conv2dBackward(gradOutput: gout, input: x, weight: wt, geometry: geo, needInput: true)
            XCTAssertLessThan(worstDifference(direct.weight.scalars, patches.weight.scalars), 1e-4, "\(set): dW \(sh)")
            XCTAssertLessThan(worstDifference(try XCTUnwrap(direct.input).scalars,
                                              try XCTUnwrap(patches.input).scalars), 1e-4, "\(set): dX \(sh)")
            XCTAssertEqual(direct.bias.scalars, patches.bias.scalars, "\(set): dB \(sh)")
            let noInput = Tensor.conv2dBackward(gradOutput: gout, input: x, weight: wt, geometry: geo, needInput: false)
            XCTAssertNil(noInput.input)
            XCTAssertEqual(noInput.weight.scalars, direct.weight.scalars, "\(set): dW without dX \(sh)")
        }
    }

    /// The largest difference of a and b relative to 1 + |b| (infinite when their counts differ).
    func worstDifference(_ a: [Float], _ b: [Float]) -> Float {
        guard a.count == b.count else { return .infinity }
        return zip(a, b).map { Swift.abs($0 - $1) / (1 + Swift.abs($1)) }.max() ?? 0
    }
}
