import XCTest
@testable import PruneTensor

/// Pooling with explicit, asymmetric padding and ceil mode (``PoolWindow``) and the C average pooling,
/// against the definitions written out one window at a time.
final class WindowPoolingTests: XCTestCase {
    /// One window's inputs in (i, j) order and how many of its positions the divisor counts.
    func window(_ plane: [Float], h: Int, w: Int, y: Int, x: Int, _ wd: PoolWindow,
                includePad: Bool) -> (values: [Float], counted: Int) {
        var values: [Float] = [], counted = 0
        let p = wd.pads
        for i in 0..<wd.kernel.h {
            let iy = y * wd.stride.h - p[0] + i * wd.dilation.h
            for j in 0..<wd.kernel.w {
                let ix = x * wd.stride.w - p[1] + j * wd.dilation.w
                let inside = iy >= 0 && iy < h && ix >= 0 && ix < w
                let inPads = iy >= -p[0] && iy < h + p[2] && ix >= -p[1] && ix < w + p[3]
                if inside { values.append(plane[iy * w + ix]) }
                if inside || (includePad && inPads) { counted += 1 }
            }
        }
        return (values, counted)
    }

    /// ONNX's output size: floor, or ceil keeping a last window only when it starts before the end pad.
    func extent(_ n: Int, _ b: Int, _ e: Int, _ k: Int, _ s: Int, _ d: Int, ceil: Bool) -> Int {
        let span = n + b + e - ((k - 1) * d + 1)
        var count = (ceil ? (span + s - 1) / s : span / s) + 1
        if ceil && (count - 1) * s >= n + b { count -= 1 }
        return count
    }

    func windows() -> [PoolWindow] {
        [PoolWindow(kernel: (3, 3), stride: (2, 2), dilation: (1, 1), pads: [0, 0, 1, 1], ceilMode: false),
         PoolWindow(kernel: (3, 3), stride: (1, 1), dilation: (1, 1), pads: [1, 1, 1, 1], ceilMode: false),
         PoolWindow(kernel: (2, 2), stride: (1, 1), dilation: (1, 1), pads: [0, 0, 1, 1], ceilMode: false),
         PoolWindow(kernel: (3, 2), stride: (2, 3), dilation: (1, 1), pads: [2, 0, 0, 1], ceilMode: true),
         PoolWindow(kernel: (2, 3), stride: (3, 2), dilation: (2, 2), pads: [1, 3, 2, 0], ceilMode: true),
         PoolWindow(kernel: (4, 4), stride: (1, 4), dilation: (1, 1), pads: [3, 3, 3, 3], ceilMode: false)]
    }

    func testMaxPoolValuesOfAnyWindowAreTheFirstMaximaOfTheDefinition() throws {
        var rng = RandomGenerator(seed: 5)
        // Small planes go through a bordered buffer, large ones (past 16,384 values) row by row.
        for (wd, (h, w)) in windows().flatMap({ wd in [(11, 13), (129, 133)].map { (wd, $0) } }) {
            var x = Tensor.normal([2, 3, h, w], using: &rng)
            x.scalars = x.scalars.enumerated().map { i, v in i % 23 == 0 ? .nan : i % 7 == 0 ? -0.0 : v }
            let out = try Tensor.maxPoolValues(x, window: wd)
            let oh = extent(h, wd.pads[0], wd.pads[2], wd.kernel.h, wd.stride.h, wd.dilation.h, ceil: wd.ceilMode)
            let ow = extent(w, wd.pads[1], wd.pads[3], wd.kernel.w, wd.stride.w, wd.dilation.w, ceil: wd.ceilMode)
            XCTAssertEqual(out.shape, [2, 3, oh, ow], "\(wd)")
            for p in 0..<6 {
                let plane = Array(x.scalars[(p * h * w)..<((p + 1) * h * w)])
                for y in 0..<oh {
                    for xo in 0..<ow {
                        let values = window(plane, h: h, w: w, y: y, x: xo, wd, includePad: false).values
                        var best = -Float.infinity
                        for v in values where v.isNaN || (v > best && !best.isNaN) { best = v }
                        let got = out.scalars[(p * oh + y) * ow + xo]
                        XCTAssertEqual(got.isNaN ? UInt32.max : got.bitPattern,
                                       best.isNaN ? UInt32.max : best.bitPattern, "\(wd) at \(p), \(y), \(xo)")
                    }
                }
            }
        }
    }

    func testAveragePoolValuesDivideBySumsOfTheCountedPositions() throws {
        var rng = RandomGenerator(seed: 6)
        for wd in windows() {
            for includePad in [false, true] {
                let x = Tensor.normal([1, 4, 11, 13], using: &rng)
                // (planes past the bordered buffer's size are checked in the symmetric test below)
                let out = try Tensor.averagePoolValues(x, window: wd, countIncludePad: includePad)
                let (oh, ow) = (out.shape[2], out.shape[3])
                for p in 0..<4 {
                    let plane = Array(x.scalars[(p * 143)..<((p + 1) * 143)])
                    for y in 0..<oh {
                        for xo in 0..<ow {
                            let win = window(plane, h: 11, w: 13, y: y, x: xo, wd, includePad: includePad)
                            let want = win.values.reduce(0.0) { $0 + Double($1) } / Double(win.counted)
                            XCTAssertEqual(Double(out.scalars[(p * oh + y) * ow + xo]), want,
                                           accuracy: 1e-6 * Swift.max(1, Swift.abs(want)),
                                           "\(wd), count_include_pad \(includePad), at \(p), \(y), \(xo)")
                        }
                    }
                }
            }
        }
    }

    /// The symmetric average pooling (the C kernel: small planes through a zero-bordered buffer, large
    /// ones row by row with strided rows read by phase) is each window's sum times 1/(kh·kw), within
    /// float rounding of the sum in Double, on planes of both sizes.
    func testAveragePoolingOfSymmetricGeometriesIsTheWindowSum() throws {
        var rng = RandomGenerator(seed: 7)
        let geometries = [Conv2dGeometry(kernel: (3, 3), stride: (2, 2), padding: (1, 1)),
                          Conv2dGeometry(kernel: (2, 2), stride: (2, 2)),
                          Conv2dGeometry(kernel: (3, 5), stride: (3, 4), padding: (1, 2), dilation: (1, 2)),
                          Conv2dGeometry(kernel: (3, 3), stride: (1, 1), padding: (1, 1))]
        for (g, (h, w)) in geometries.flatMap({ g in [(12, 17), (131, 140)].map { (g, $0) } }) {
            let x = Tensor.normal([1, 2, h, w], using: &rng)
            let out = try Tensor.avgPool2d(x, geometry: g)
            let wd = PoolWindow(kernel: g.kernel, stride: g.stride, dilation: g.dilation,
                                pads: [g.padding.h, g.padding.w, g.padding.h, g.padding.w], ceilMode: false)
            let (oh, ow) = (out.shape[2], out.shape[3])
            for p in 0..<2 {
                let plane = Array(x.scalars[(p * h * w)..<((p + 1) * h * w)])
                for y in 0..<oh {
                    for xo in 0..<ow {
                        let values = window(plane, h: h, w: w, y: y, x: xo, wd, includePad: true).values
                        let want = values.reduce(0.0) { $0 + Double($1) } / Double(g.kernel.h * g.kernel.w)
                        XCTAssertEqual(Double(out.scalars[(p * oh + y) * ow + xo]), want,
                                       accuracy: 1e-6 * Swift.max(1, Swift.abs(want)), "\(g), \(h)×\(w)")
                    }
                }
            }
        }
    }

    /// One window over the plane (a global average written as a pooling: the whole plane, or its top-left
    /// block when the stride leaves room for no second window) is the mean of its values.
    func testASingleUnpaddedWindowIsTheMeanOfItsBlock() throws {
        var rng = RandomGenerator(seed: 8)
        for (h, w, kh, kw) in [(7, 7, 7, 7), (5, 6, 4, 5), (9, 40, 9, 33)] {
            let x = Tensor.normal([2, 3, h, w], using: &rng)
            let out = try Tensor.averagePoolValues(x, window: PoolWindow(kernel: (kh, kw), stride: (kh, kw),
                                                                           dilation: (1, 1), pads: [0, 0, 0, 0],
                                                                           ceilMode: false), countIncludePad: true)
            XCTAssertEqual(out.shape, [2, 3, 1, 1])
            for p in 0..<6 {
                var sum = 0.0
                for i in 0..<kh { for j in 0..<kw { sum += Double(x.scalars[p * h * w + i * w + j]) } }
                let want = sum / Double(kh * kw)
                XCTAssertEqual(Double(out.scalars[p]), want, accuracy: 1e-6 * Swift.max(1, Swift.abs(want)))
            }
        }
    }

    func testInvalidWindowsAreErrors() {
        let x = Tensor.zeros([1, 1, 4, 4])
        let negative = PoolWindow(kernel: (2, 2), stride: (1, 1), dilation: (1, 1), pads: [0, -1, 0, 0],
                                  ceilMode: false)
        XCTAssertThrowsError(try Tensor.maxPoolValues(x, window: negative))
        let tooLarge = PoolWindow(kernel: (7, 7), stride: (1, 1), dilation: (1, 1), pads: [1, 1, 1, 1],
                                  ceilMode: false)
        XCTAssertThrowsError(try Tensor.averagePoolValues(x, window: tooLarge, countIncludePad: true))
        XCTAssertThrowsError(try Tensor.maxPoolValues(Tensor.zeros([4, 4]), window: negative))
    }
}
