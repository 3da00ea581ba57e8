import XCTest
@testable import PruneTensor

/// Max pooling two wide at stride 2 over planes with short rows (fewer than 16 outputs, LeNet's and small
/// CNNs' pooling), which the C kernels take across the whole plane: values and winners against the
/// definition written out one window at a time, with ties (few distinct values, +0 and −0) and NaNs.
final class ShortRowPoolingTests: XCTestCase {
    /// Values from a small set (ties in most windows), every 13th a NaN, a quarter of the zeros negative.
    func plane(_ shape: [Int], _ rng: inout RandomGenerator) -> Tensor {
        let x = Tensor.uniform(shape, low: 0, high: 4, using: &rng)
        return Tensor(unchecked: shape, x.scalars.enumerated().map { i, v in
            i % 13 == 5 ? .nan : v < 1 ? (i % 4 == 0 ? -0.0 : 0) : v.rounded(.down)
        })
    }

    /// The first maximum in reading order of the window's inputs inside the plane (a NaN wins and stays) and
    /// its flat index in the plane; −∞ and −1 when the window holds none.
    func firstMaximum(_ x: [Float], h: Int, w: Int, y: Int, xo: Int, _ wd: PoolWindow) -> (Float, Int) {
        var best = -Float.infinity, at = -1
        for i in 0..<wd.kernel.h {
            let iy = y * wd.stride.h - wd.pads[0] + i * wd.dilation.h
            for j in 0..<wd.kernel.w {
                let ix = xo * wd.stride.w - wd.pads[1] + j * wd.dilation.w
                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                let v = x[iy * w + ix]
                if at < 0 || v > best || (v.isNaN && !best.isNaN) { (best, at) = (v, iy * w + ix) }
            }
        }
        return (best, at)
    }

    func bits(_ v: Float) -> UInt32 { v.isNaN ? UInt32.max : v.bitPattern }

    func testValuesOfTwoWideWindowsOverShortRowsAreTheFirstMaxima() throws {
        var rng = RandomGenerator(seed: 44)
        let windows = [
            PoolWindow(kernel: (2, 2), stride: (2, 2), dilation: (1, 1), pads: [0, 0, 0, 0], ceilMode: false),
            PoolWindow(kernel: (3, 2), stride: (2, 2), dilation: (1, 1), pads: [1, 0, 1, 0], ceilMode: false),
            PoolWindow(kernel: (2, 2), stride: (1, 2), dilation: (2, 1), pads: [1, 0, 1, 1], ceilMode: true),
            PoolWindow(kernel: (2, 2), stride: (2, 2), dilation: (1, 1), pads: [0, 0, 1, 0], ceilMode: true)]
        for wd in windows {
            for (h, w) in [(2, 2), (7, 10), (14, 14), (9, 30), (11, 32), (5, 13)] {
                let x = plane([2, 3, h, w], &rng)
                let out = try Tensor.maxPoolValues(x, window: wd)
                let (oh, ow) = (out.shape[2], out.shape[3])
                for p in 0..<6 {
                    let values = Array(x.scalars[(p * h * w)..<((p + 1) * h * w)])
                    for y in 0..<oh {
                        for xo in 0..<ow {
                            let want = firstMaximum(values, h: h, w: w, y: y, xo: xo, wd).0
                            XCTAssertEqual(bits(out.scalars[(p * oh + y) * ow + xo]), bits(want),
                                           "\(wd) on \(h)×\(w) at plane \(p), (\(y), \(xo))")
                        }
                    }
                }
            }
        }
    }

    func testTwoByTwoPoolingWithWinnersOverShortRowsKeepsTheFirstMaximum() throws {
        var rng = RandomGenerator(seed: 45)
        let wd = PoolWindow(kernel: (2, 2), stride: (2, 2), dilation: (1, 1), pads: [0, 0, 0, 0], ceilMode: false)
        for (h, w) in [(2, 2), (28, 28), (10, 10), (15, 30), (9, 14), (6, 32), (7, 11)] {
            let x = plane([3, 2, h, w], &rng)
            let (out, arg) = try Tensor.maxPool2d(x, geometry: Conv2dGeometry(kernel: (2, 2), stride: (2, 2)))
            let (oh, ow) = (h / 2, w / 2)
            XCTAssertEqual(out.shape, [3, 2, oh, ow])
            for p in 0..<6 {
                let values = Array(x.scalars[(p * h * w)..<((p + 1) * h * w)])
                for y in 0..<oh {
                    for xo in 0..<ow {
                        let (want, at) = firstMaximum(values, h: h, w: w, y: y, xo: xo, wd)
                        let k = (p * oh + y) * ow + xo
                        XCTAssertEqual(bits(out.scalars[k]), bits(want), "\(h)×\(w) at plane \(p), (\(y), \(xo))")
                        XCTAssertEqual(Int(arg[k]), at, "winner on \(h)×\(w) at plane \(p), (\(y), \(xo))")
                    }
                }
            }
        }
    }

    /// 2×2 at stride 2 without padding read from the planes in place (pool2x2_avx2.c): rows of 8 outputs and more
    /// (a row's last step overlapping the one before: 9, 15 and 17 outputs; exactly 8 and 16), short rows of an
    /// even width (down to one step of 8 pairs: 4×4 and 2×8), odd heights and widths, 12 planes (more than the
    /// 8 that the lanes kernel takes), values and winners against the definition.
    func testTwoByTwoPoolingReadInPlaceKeepsTheFirstMaximum() throws {
        var rng = RandomGenerator(seed: 46)
        let wd = PoolWindow(kernel: (2, 2), stride: (2, 2), dilation: (1, 1), pads: [0, 0, 0, 0], ceilMode: false)
        let sizes = [(18, 18), (6, 16), (3, 17), (5, 30), (4, 34), (4, 4), (2, 8), (9, 12), (28, 28), (14, 14)]
        for (h, w) in sizes {
            let x = plane([3, 4, h, w], &rng)
            let values = try Tensor.maxPoolValues(x, window: wd)
            let (out, arg) = try Tensor.maxPool2d(x, geometry: Conv2dGeometry(kernel: (2, 2), stride: (2, 2)))
            let (oh, ow) = (h / 2, w / 2)
            XCTAssertEqual(values.shape, [3, 4, oh, ow])
            for p in 0..<12 {
                let input = Array(x.scalars[(p * h * w)..<((p + 1) * h * w)])
                for y in 0..<oh {
                    for xo in 0..<ow {
                        let (want, at) = firstMaximum(input, h: h, w: w, y: y, xo: xo, wd)
                        let k = (p * oh + y) * ow + xo, place = "\(h)×\(w) at plane \(p), (\(y), \(xo))"
                        XCTAssertEqual(bits(values.scalars[k]), bits(want), "values on " + place)
                        XCTAssertEqual(bits(out.scalars[k]), bits(want), "with winners on " + place)
                        XCTAssertEqual(Int(arg[k]), at, "winner on " + place)
                    }
                }
            }
        }
    }
}
