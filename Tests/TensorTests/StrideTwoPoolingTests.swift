import XCTest
@testable import PruneTensor

/// Pooling with windows 3 wide at stride 2 across (pool_stride2_avx2.c: blocks of 8 outputs inside the row, loads
/// masked to the row at its edges, rows of folds kept for the output rows that share them) against the
/// definitions written out one window at a time, for every row width from 1 to 70 (no block, a block at an edge,
/// blocks inside), window heights 1 to 4, padding 0 to 2 on either side and ceil mode.
final class StrideTwoPoolingTests: XCTestCase {
    /// The first maximum of output (y, x)'s window in reading order over the taps inside the plane (a NaN wins
    /// over a number; −∞ when no tap is inside).
    func definition(_ plane: [Float], h: Int, w: Int, y: Int, x: Int, _ wd: PoolWindow) -> Float {
        var best = -Float.infinity
        for i in 0..<wd.kernel.h {
            let iy = y * wd.stride.h - wd.pads[0] + i
            for j in 0..<3 {
                let ix = x * 2 - wd.pads[1] + j
                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                let v = plane[iy * w + ix]
                if (v > best && !best.isNaN) || (v.isNaN && !best.isNaN) { best = v }
            }
        }
        return best
    }

    /// The window's average: the sum of its taps inside the plane over the positions counted (those in the
    /// explicit pads too when `includePad`, never ceil mode's extra ones).
    func average(_ plane: [Float], h: Int, w: Int, y: Int, x: Int, _ wd: PoolWindow, includePad: Bool) -> Double {
        var sum = 0.0, counted = 0
        for i in 0..<wd.kernel.h {
            let iy = y * wd.stride.h - wd.pads[0] + i
            for j in 0..<3 {
                let ix = x * 2 - wd.pads[1] + j
                let inside = iy >= 0 && iy < h && ix >= 0 && ix < w
                let inPads = iy >= -wd.pads[0] && iy < h + wd.pads[2] && ix >= -wd.pads[1] && ix < w + wd.pads[3]
                if inside { sum += Double(plane[iy * w + ix]) }
                if inside || (includePad && inPads) { counted += 1 }
            }
        }
        return sum / Double(counted)
    }

    /// The geometry tried at row width w.
    func window(_ w: Int) -> PoolWindow {
        let kh = 1 + w % 4
        return PoolWindow(kernel: (kh, 3), stride: (1 + w % 2, 2), dilation: (1, 1),
                          pads: [w % 3 % kh, w % 3, Swift.min(1, kh - 1), (w / 3) % 3], ceilMode: w % 5 == 0)
    }

    func testThreeWideStrideTwoWindowsAreTheFirstMaximaOfTheDefinition() throws {
        var rng = RandomGenerator(seed: 31)
        var checked = 0
        for w in 1...70 {
            let wd = window(w), h = 3 + w % 7
            let x = try Tensor(shape: [1, 2, h, w], scalars: poolingValues(2 * h * w, &rng))
            guard let out = try? Tensor.maxPoolValues(x, window: wd) else { continue }   // no window fits
            checked += 1
            eachOutput(out, x) { values, got, p, y, xo in
                let want = definition(values, h: h, w: w, y: y, x: xo, wd)
                XCTAssertEqual(got.bitPattern, want.bitPattern, "width \(w), \(wd) at \(p), \(y), \(xo)")
            }
        }
        XCTAssertGreaterThan(checked, 60)
    }

    func testThreeWideStrideTwoAveragesAreTheWindowMeans() throws {
        var rng = RandomGenerator(seed: 32)
        var checked = 0
        for (w, includePad) in (1...70).flatMap({ w in [(w, true), (w, false)] }) {
            let wd = window(w), h = 3 + w % 7
            let x = Tensor.normal([1, 2, h, w], using: &rng)
            guard let out = try? Tensor.averagePoolValues(x, window: wd, countIncludePad: includePad) else { continue }
            checked += 1
            eachOutput(out, x) { values, got, p, y, xo in
                let want = average(values, h: h, w: w, y: y, x: xo, wd, includePad: includePad)
                XCTAssertEqual(Double(got), want, accuracy: 1e-6,
                               "width \(w), \(wd), pads counted \(includePad) at \(p), \(y), \(xo)")
            }
        }
        XCTAssertGreaterThan(checked, 120)
    }
}
