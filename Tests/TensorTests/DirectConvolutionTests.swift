import CDenseKernels
@testable import PruneTensor
import XCTest

/// The direct convolution kernel (`direct_conv.c`: output positions broadcast, filters in vector lanes, no patch
/// matrix) gives the bits of the packed product on the same patches — the patch matrix written out here value
/// by value from the window's definition, a bias fill, and `prune_sgemm` — for strides 1–4, padding (also more
/// at the end than at the start, as ONNX allows), dilation, rectangular kernels, patches of several blocks of k
/// and filter counts that leave a partial panel; over any range of output positions without writing outside it.
/// The same for the kernel with output positions in the lanes (`conv_rows.c`) on patches of fewer than 64 values.
/// And `conv2d` gives the same bits with them as without them.
final class DirectConvolutionTests: XCTestCase {
    /// Channels, filters, kernel, stride, padding, dilation, input size and the extra output rows and columns
    /// (end padding beyond the start's).
    typealias Case = (c: Int, o: Int, kh: Int, kw: Int, s: (Int, Int), p: (Int, Int), d: Int, h: Int, w: Int,
                      extra: (Int, Int))

    let cases: [Case] = [
        (3, 32, 7, 7, (2, 2), (3, 3), 1, 37, 41, (0, 0)), (3, 64, 7, 7, (2, 2), (3, 3), 1, 30, 30, (1, 0)),
        (16, 16, 3, 3, (1, 1), (1, 1), 1, 14, 14, (0, 0)), (6, 16, 5, 5, (1, 1), (0, 0), 1, 14, 14, (0, 0)),
        (32, 17, 3, 3, (1, 1), (1, 1), 1, 9, 11, (0, 0)), (64, 5, 5, 5, (1, 1), (2, 2), 1, 8, 7, (0, 1)),
        (3, 96, 11, 11, (4, 4), (2, 2), 1, 47, 45, (0, 0)), (8, 40, 3, 3, (2, 2), (0, 0), 2, 19, 23, (0, 0)),
        (4, 24, 3, 5, (1, 2), (1, 2), 1, 10, 21, (0, 0)), (2, 3, 1, 1, (3, 3), (0, 0), 1, 12, 12, (0, 0)),
        (8, 8, 3, 3, (1, 1), (1, 1), 1, 28, 28, (0, 0)), (40, 12, 3, 3, (1, 1), (1, 1), 1, 13, 9, (0, 0)),
        (8, 8, 3, 3, (1, 1), (1, 1), 1, 12, 13, (0, 0)), (5, 24, 3, 3, (1, 1), (1, 1), 2, 20, 17, (0, 0)),
    ]

    /// Patches of fewer than 64 values (an image CNN's first layer and smaller), for the rows kernel.
    let rowCases: [Case] = [
        (3, 24, 3, 3, (2, 2), (1, 1), 1, 37, 41, (0, 0)), (3, 32, 3, 3, (2, 2), (0, 0), 1, 45, 45, (0, 0)),
        (3, 64, 3, 3, (1, 1), (1, 1), 1, 30, 33, (0, 0)), (1, 16, 3, 3, (1, 1), (1, 1), 1, 28, 28, (0, 1)),
        (2, 13, 5, 5, (2, 1), (2, 2), 1, 20, 19, (1, 0)), (3, 7, 3, 3, (3, 3), (1, 1), 2, 30, 31, (1, 1)),
        (3, 5, 7, 2, (2, 3), (3, 1), 1, 9, 70, (0, 0)), (1, 2, 1, 1, (2, 2), (0, 0), 1, 9, 31, (0, 0)),
    ]

    func window(_ cf: Case) -> prune_plane_window {
        let oh = (cf.h + 2 * cf.p.0 - cf.d * (cf.kh - 1) - 1) / cf.s.0 + 1 + cf.extra.0
        let ow = (cf.w + 2 * cf.p.1 - cf.d * (cf.kw - 1) - 1) / cf.s.1 + 1 + cf.extra.1
        return prune_plane_window(h: Int64(cf.h), wd: Int64(cf.w), kh: Int64(cf.kh), kw: Int64(cf.kw),
                                  sh: Int64(cf.s.0), sw: Int64(cf.s.1), ph: Int64(cf.p.0), pw: Int64(cf.p.1),
                                  dh: Int64(cf.d), dw: Int64(cf.d), oh: Int64(oh), ow: Int64(ow))
    }

    /// The patch matrix by its definition: row (c·kh + i)·kw + j, column oy·ow + ox, 0 outside the plane.
    func patchMatrix(_ x: [Float], _ g: prune_plane_window, channels: Int) -> [Float] {
        let (oh, ow, kh, kw) = (Int(g.oh), Int(g.ow), Int(g.kh), Int(g.kw)), l = oh * ow
        var cols = [Float](repeating: 0, count: channels * kh * kw * l)
        for c in 0..<channels {
            for i in 0..<kh {
                for j in 0..<kw {
                    let row = (c * kh + i) * kw + j
                    for oy in 0..<oh {
                        for ox in 0..<ow {
                            let y = oy * Int(g.sh) - Int(g.ph) + i * Int(g.dh)
                            let xx = ox * Int(g.sw) - Int(g.pw) + j * Int(g.dw)
                            guard y >= 0, y < Int(g.h), xx >= 0, xx < Int(g.wd) else { continue }
                            cols[row * l + oy * ow + ox] = x[(c * Int(g.h) + y) * Int(g.wd) + xx]
                        }
                    }
                }
            }
        }
        return cols
    }

    /// The packed product's bits: the bias filled in, then `prune_sgemm` with beta 1 (nil where it does not run).
    func packedProduct(_ x: [Float], _ w: [Float], _ bias: [Float]?, _ cf: Case) -> [Float]? {
        let g = window(cf), l = Int(g.oh * g.ow), k = cf.c * cf.kh * cf.kw
        let cols = patchMatrix(x, g, channels: cf.c)
        var out = [Float](repeating: 0, count: cf.o * l)
        for f in 0..<cf.o { for q in 0..<l { out[f * l + q] = bias?[f] ?? 0 } }
        let ok = prune_sgemm(0, 0, Int64(cf.o), Int64(l), Int64(k), 1, w, Int64(k), cols, Int64(l), 1, &out, Int64(l))
        return ok != 0 ? out : nil
    }

    typealias Kernel = (UnsafePointer<Float>?, prune_plane_window, Int64, UnsafePointer<Float>?, Int64,
                        UnsafePointer<Float>?, Int64, Int64, UnsafeMutablePointer<Float>?) -> Int32

    /// Runs the kernel over `ranges` of positions into an output full of NaN.
    func direct(_ x: [Float], _ w: [Float], _ bias: [Float]?, _ cf: Case, ranges: [Range<Int>],
                kernel: Kernel = prune_conv_direct_f32) -> [Float]? {
        let g = window(cf)
        var out = [Float](repeating: .nan, count: cf.o * Int(g.oh * g.ow))
        for r in ranges {
            let ok = kernel(x, g, Int64(cf.c), w, Int64(cf.o), bias, Int64(r.lowerBound), Int64(r.count), &out)
            if ok == 0 { return nil }
        }
        return out
    }

    func testDirectKernelGivesThePackedProductBits() {
        checkPackedProductBits(cases, kernel: prune_conv_direct_f32, seed: 71)
    }

    func testRowsKernelGivesThePackedProductBits() {
        checkPackedProductBits(rowCases, kernel: prune_conv_rows_f32, seed: 74)
    }

    /// `kernel` over the whole plane, three ranges and one position at a time gives the packed product's bits,
    /// under each sgemm kernel set (the direct kernels run the tiles of the set's instruction set).
    func checkPackedProductBits(_ cases: [Case], kernel: Kernel, seed: UInt64) {
        forEachSgemmKernelSet { set in checkPackedProductBits(cases, kernel: kernel, seed: seed, set: set) }
    }

    func checkPackedProductBits(_ cases: [Case], kernel: Kernel, seed: UInt64, set: String) {
        var rng = RandomGenerator(seed: seed)
        for cf in cases {
            let x = Tensor.normal([cf.c * cf.h * cf.w], using: &rng).scalars
            let w = Tensor.normal([cf.o * cf.c * cf.kh * cf.kw], using: &rng).scalars
            let bias = Tensor.normal([cf.o], using: &rng).scalars
            let l = Int(window(cf).oh * window(cf).ow)
            for b in [bias, nil] {
                guard let want = packedProduct(x, w, b, cf) else { continue }
                let cuts: [[Range<Int>]] = [[0..<l], [0..<7, 7..<(l - 5), (l - 5)..<l], (0..<l).map { $0..<($0 + 1) }]
                for ranges in cuts {
                    let got = direct(x, w, b, cf, ranges: ranges, kernel: kernel)
                    XCTAssertNotNil(got, "\(cf): runs wherever Prune's sgemm does (AVX2 and FMA)")
                    guard let got else { continue }
                    XCTAssertEqual(got, want, "\(set): \(cf), bias \(b != nil), \(ranges.count) ranges")
                }
            }
        }
    }

    /// A batch smaller than the cores cuts each image's output into parts that cover every filter and position
    /// once: ranges of positions (multiples of 8), or whole panels of 16 filters over small planes.
    func testBatchOneCutsEveryOutputOnce() throws {
        let layers: [(c: Int, o: Int, size: Int, s: Int)] = [(16, 32, 14, 1), (16, 40, 12, 1), (8, 16, 28, 1),
                                                            (64, 96, 15, 2), (32, 64, 28, 1), (3, 24, 56, 2)]
        for t in layers {
            let geo = Conv2dGeometry(kernel: (3, 3), stride: (t.s, t.s), padding: (1, 1))
            let (oh, ow) = try geo.outputSize(h: t.size, w: t.size, op: "test")
            let d = Tensor.ConvDims(c: t.c, h: t.size, w: t.size, o: t.o, oh: oh, ow: ow, g: geo)
            for cores in 1...4 {
                for images in [1, cores + 1] {
                    let cut = DirectCut(images: images, dims: d, cores: cores, rows: Tensor.runsRows(d))
                    var seen = [Int](repeating: 0, count: d.og * d.l)
                    for p in 0..<cut.parts {
                        let (f, q) = cut.part(p)
                        XCTAssertTrue(f.isEmpty || f.lowerBound % 16 == 0, "\(t), \(cores) cores: \(f)")
                        XCTAssertTrue(q.isEmpty || q.lowerBound % 8 == 0, "\(t), \(cores) cores: \(q)")
                        for i in f { for j in q { seen[i * d.l + j] += 1 } }
                    }
                    XCTAssertEqual(Set(seen), [1], "\(t), \(cores) cores, \(images) images")
                    let byFilters = images < cores && cores > 1 && d.l <= 256 && d.og >= 32 && !cut.rows
                    XCTAssertEqual(cut.filterParts > 1, byFilters, "\(t), \(cores) cores, \(images) images")
                }
            }
        }
    }

    /// A range of positions in the middle of the plane writes those positions of every filter and nothing else.
    func testDirectKernelWritesOnlyItsPositions() {
        forEachSgemmKernelSet { set in checkWritesOnlyItsPositions(set: set) }
    }

    func checkWritesOnlyItsPositions(set: String) {
        var rng = RandomGenerator(seed: 72)
        for (cf, kernel) in cases.map({ ($0, prune_conv_direct_f32 as Kernel) })
            + rowCases.map({ ($0, prune_conv_rows_f32 as Kernel) }) {
            let x = Tensor.normal([cf.c * cf.h * cf.w], using: &rng).scalars
            let w = Tensor.normal([cf.o * cf.c * cf.kh * cf.kw], using: &rng).scalars
            let l = Int(window(cf).oh * window(cf).ow), range = (l / 3)..<(l / 3 + Swift.max(1, l / 2 - 3))
            guard let got = direct(x, w, nil, cf, ranges: [range], kernel: kernel) else {
                XCTAssertEqual(prune_sgemm_available(), 0, "\(cf): runs wherever Prune's sgemm does")
                continue
            }
            for f in 0..<cf.o {
                for q in 0..<l where range.contains(q) == got[f * l + q].isNaN {
                    let what = range.contains(q) ? "not written" : "written"
                    XCTFail("\(set): \(cf): filter \(f), position \(q) \(what)")
                    return
                }
            }
        }
    }

    /// `conv2d` takes the direct kernel for a first layer, a small one and patches of up to 4,608 values (batch 1
    /// and 3, groups, bias or none) and gives the bits it gives without it.
    func testConv2dGivesTheSameBitsDirectly() throws {
        try forEachSgemmKernelSet { set in try checkConv2dBits(set: set) }
    }

    func checkConv2dBits(set: String) throws {
        var rng = RandomGenerator(seed: 73)
        let layers: [(c: Int, o: Int, k: Int, s: Int, p: Int, groups: Int, size: Int)] = [
            (3, 32, 7, 2, 3, 1, 40), (16, 16, 3, 1, 1, 1, 14), (8, 32, 5, 1, 2, 2, 12), (3, 96, 11, 4, 2, 1, 63),
            (3, 24, 3, 2, 1, 1, 56), (3, 13, 3, 2, 0, 1, 45), (4, 8, 5, 2, 2, 2, 30), (16, 48, 3, 1, 1, 2, 16),
            (16, 32, 3, 1, 1, 1, 12), (128, 32, 3, 1, 1, 1, 10), (512, 16, 3, 1, 1, 1, 7), (32, 64, 3, 1, 1, 1, 12),
        ]
        for t in layers {
            let geo = Conv2dGeometry(kernel: (t.k, t.k), stride: (t.s, t.s), padding: (t.p, t.p), dilation: (1, 1),
                                     groups: t.groups)
            let (oh, ow) = try geo.outputSize(h: t.size, w: t.size, op: "test")
            let dims = Tensor.ConvDims(c: t.c, h: t.size, w: t.size, o: t.o, oh: oh, ow: ow, g: geo)
            let runs = set == "AVX2"  // the forward pass runs directly beside the AVX2 sgemm only
            XCTAssertEqual(Tensor.runsDirect(dims), runs, "\(set): \(t) runs directly")
            for images in [1, 3] {
                let x = Tensor.normal([images, t.c, t.size, t.size], using: &rng)
                let w = Tensor.normal([t.o, t.c / t.groups, t.k, t.k], using: &rng)
                for bias in [Tensor.normal([t.o], using: &rng), nil] {
                    let got = try Tensor.conv2d(x, weight: w, bias: bias, geometry: geo)
                    let want = try Tensor.$allowsDirectConvolution.withValue(false) {
                        try Tensor.conv2d(x, weight: w, bias: bias, geometry: geo)
                    }
                    XCTAssertEqual(got.shape, want.shape)
                    XCTAssertEqual(got.scalars, want.scalars, "\(set): \(t), \(images) images, bias \(bias != nil)")
                    // With the filters packed once, as a layer keeps them (the direct kernel's panels per group).
                    let packed = PackedFilters(filters: w, groups: t.groups)
                    XCTAssertEqual(packed?.direct != nil, runs, "\(set): \(t) keeps the direct kernel's panels")
                    let kept = try Tensor.conv2d(x, weight: w, bias: bias, geometry: geo, packed: packed)
                    XCTAssertEqual(kept.scalars, want.scalars, "\(set): \(t), \(images) images, packed filters")
                }
            }
        }
    }
}

extension DirectConvolutionTests {
    /// More than 48 filters run directly only over at least twice as many output positions (a 7×7 plane is too
    /// small for 64 or 96 filters), 48 or fewer and the first layers whatever their plane; at a stride and not.
    func testLayersWithManyFiltersOnSmallPlanesTakeThePackedProduct() throws {
        guard String(cString: prune_sgemm_kernels()) == "AVX2" else { return }
        // (channels, filters, input size, whether it runs directly): 3×3 windows at stride 2, padding 1.
        let layers: [(c: Int, o: Int, size: Int, direct: Bool)] = [
            (64, 96, 14, false), (64, 64, 14, false), (96, 96, 20, false), (64, 96, 28, true), (64, 64, 24, true),
            (48, 48, 14, true), (32, 32, 14, true), (64, 128, 56, false),
        ]
        for t in layers {
            let geo = Conv2dGeometry(kernel: (3, 3), stride: (2, 2), padding: (1, 1))
            let (oh, ow) = try geo.outputSize(h: t.size, w: t.size, op: "test")
            let dims = Tensor.ConvDims(c: t.c, h: t.size, w: t.size, o: t.o, oh: oh, ow: ow, g: geo)
            XCTAssertEqual(Tensor.runsDirect(dims), t.direct, "\(t)")
        }
        // At stride 1 the same rule: (channels, filters, input size, whether it runs directly), 3×3, padding 1.
        let unit: [(c: Int, o: Int, size: Int, direct: Bool)] = [
            (64, 64, 28, true), (128, 96, 28, true), (64, 48, 7, true), (128, 128, 28, false), (256, 64, 7, false),
        ]
        for t in unit {
            let geo = Conv2dGeometry(kernel: (3, 3), stride: (1, 1), padding: (1, 1))
            let dims = Tensor.ConvDims(c: t.c, h: t.size, w: t.size, o: t.o, oh: t.size, ow: t.size, g: geo)
            XCTAssertEqual(Tensor.runsDirect(dims), t.direct, "\(t) at stride 1")
        }
        let first = Conv2dGeometry(kernel: (7, 7), stride: (2, 2), padding: (3, 3))
        XCTAssertTrue(Tensor.runsDirect(Tensor.ConvDims(c: 3, h: 224, w: 224, o: 96, oh: 112, ow: 112, g: first)))
    }
}
