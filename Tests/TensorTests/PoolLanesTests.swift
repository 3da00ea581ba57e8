import XCTest
import CDenseKernels
@testable import PruneTensor

/// Pooling of small planes 8 channels per vector (pool_lanes.c) against the definitions written out one window at
/// a time, and bit for bit against the per-plane kernels (the lanes kernel turned off), over random windows
/// (kernels 1–4, strides 1–3, dilations 1–2, pads on either side, ceil mode), plane counts that leave planes over
/// for the per-plane kernels, and values with NaNs of two payloads, zeros of both signs, ±∞ and ties.
final class PoolLanesTests: XCTestCase {
    /// The first maximum of output (y, x)'s window in reading order over the taps inside the plane (a NaN wins
    /// over a number; −∞ when no tap is inside).
    func maximum(_ plane: [Float], h: Int, w: Int, y: Int, x: Int, _ wd: PoolWindow) -> Float {
        var best = -Float.infinity
        eachTap(h: h, w: w, y: y, x: x, wd) { at, inside, _ in
            guard inside else { return }
            let v = plane[at]
            if (v > best && !best.isNaN) || (v.isNaN && !best.isNaN) { best = v }
        }
        return best
    }

    /// The window's average: the sum of its taps inside the plane over the positions counted (those in the
    /// explicit pads too when `includePad`, never ceil mode's extra ones).
    func average(_ plane: [Float], h: Int, w: Int, y: Int, x: Int, _ wd: PoolWindow, includePad: Bool) -> Double {
        var sum = 0.0, counted = 0
        eachTap(h: h, w: w, y: y, x: x, wd) { at, inside, inPads in
            if inside { sum += Double(plane[at]) }
            if inside || (includePad && inPads) { counted += 1 }
        }
        return sum / Double(counted)
    }

    /// `visit(index, inside the plane, inside the explicit pads)` for each tap of output (y, x)'s window.
    func eachTap(h: Int, w: Int, y: Int, x: Int, _ wd: PoolWindow, _ visit: (Int, Bool, Bool) -> Void) {
        for i in 0..<wd.kernel.h {
            let iy = y * wd.stride.h - wd.pads[0] + i * wd.dilation.h
            for j in 0..<wd.kernel.w {
                let ix = x * wd.stride.w - wd.pads[1] + j * wd.dilation.w
                let inside = iy >= 0 && iy < h && ix >= 0 && ix < w
                let inPads = iy >= -wd.pads[0] && iy < h + wd.pads[2] && ix >= -wd.pads[1] && ix < w + wd.pads[3]
                visit(inside ? iy * w + ix : -1, inside, inPads)
            }
        }
    }

    /// Case k's geometry and plane size.
    func geometry(_ k: Int, _ rng: inout RandomGenerator) -> (PoolWindow, h: Int, w: Int, planes: Int) {
        func draw(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        let kh = 1 + draw(4), kw = 1 + draw(4), dh = 1 + draw(2), dw = 1 + draw(2)
        let pads = [draw(kh), draw(kw), draw(kh), draw(kw)]
        let window = PoolWindow(kernel: (kh, kw), stride: (1 + draw(3), 1 + draw(3)), dilation: (dh, dw),
                                pads: pads, ceilMode: draw(3) == 0)
        return (window, 1 + draw(20), 1 + draw(30), [8, 13, 16, 27][k % 4])
    }

    /// `pool` with the lanes kernel, and without it.
    func bothWays(_ pool: () throws -> Tensor) throws -> (lanes: Tensor, planes: Tensor) {
        let lanes = try pool()
        let planes = try Tensor.$allowsPoolLanes.withValue(false) { try pool() }
        return (lanes, planes)
    }

    /// Whether the lanes kernel takes pooling `wd` of h×w planes into `out`'s planes.
    func lanesApply(_ wd: PoolWindow, h: Int, w: Int, _ out: Tensor, isMax: Bool) -> Bool {
        let window = Tensor.planeWindow(wd.leadingGeometry, h: h, w: w, oh: out.shape[2], ow: out.shape[3])
        return prune_pool_lanes_applies(window, isMax ? 1 : 0) != 0
    }

    /// The first position where `a` and `b` differ in their bits (nil when they are the same).
    func firstDifference(_ a: Tensor, _ b: Tensor) -> Int? {
        a.scalars.indices.first { a.scalars[$0].bitPattern != b.scalars[$0].bitPattern }
    }

    func testMaxPoolingInLanesIsTheDefinitionBitForBit() throws {
        var rng = RandomGenerator(seed: 41)
        var inLanes = 0
        for k in 0..<240 {
            let (wd, h, w, planes) = geometry(k, &rng)
            let x = try Tensor(shape: [1, planes, h, w], scalars: poolingValues(planes * h * w, &rng))
            guard let (lanes, perPlane) = try? bothWays({ try Tensor.maxPoolValues(x, window: wd) }) else { continue }
            if lanesApply(wd, h: h, w: w, lanes, isMax: true) { inLanes += 1 }
            XCTAssertNil(firstDifference(lanes, perPlane), "\(wd), \(h)×\(w)")
            eachOutput(lanes, x) { plane, got, p, y, xo in
                let want = maximum(plane, h: h, w: w, y: y, x: xo, wd)
                XCTAssertEqual(got.bitPattern, want.bitPattern, "\(wd), \(h)×\(w) at \(p), \(y), \(xo)")
            }
        }
        XCTAssertGreaterThan(inLanes, 120)
    }

    func testAveragePoolingInLanesIsTheWindowMeanAndThePerPlaneBits() throws {
        var rng = RandomGenerator(seed: 42)
        var inLanes = 0
        for k in 0..<240 {
            let (wd, h, w, planes) = geometry(k, &rng), includePad = k % 2 == 0
            let x = Tensor.normal([1, planes, h, w], using: &rng)
            guard let (lanes, perPlane) = try? bothWays({
                try Tensor.averagePoolValues(x, window: wd, countIncludePad: includePad)
            }) else { continue }
            if lanesApply(wd, h: h, w: w, lanes, isMax: false) { inLanes += 1 }
            XCTAssertNil(firstDifference(lanes, perPlane), "\(wd), \(h)×\(w)")
            eachOutput(lanes, x) { plane, value, p, y, xo in
                let want = average(plane, h: h, w: w, y: y, x: xo, wd, includePad: includePad), got = Double(value)
                // A window counting no position (only ceil mode's extra ones) is 0/0 both ways.
                XCTAssertEqual(want.isNaN ? 0 : got, want.isNaN ? 0 : want, accuracy: 1e-5,
                               "\(wd), pads counted \(includePad), \(h)×\(w) at \(p), \(y), \(xo)")
                XCTAssertEqual(got.isNaN, want.isNaN)
            }
        }
        XCTAssertGreaterThan(inLanes, 100)
    }
}
