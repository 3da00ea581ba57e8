import CDenseKernels
@testable import PruneTensor
import XCTest

/// The C kernels of the dense engine (`CDenseKernels`) against direct loops written here: the patch
/// matrices of stride-1 convolutions through the backward pass, the sums of the bias gradient, and the
/// NaN and tie rules of 2×2 max pooling and ReLU.
final class DenseKernelTests: XCTestCase {
    func testStrideOneConvolutionBackwardAgreesWithDirectLoops() throws {
        var rng = RandomGenerator(seed: 12)
        for (c, o, k, p, h, w) in [(3, 4, 5, 2, 9, 7), (2, 3, 3, 0, 6, 8), (1, 2, 3, 3, 4, 5), (4, 2, 1, 0, 5, 5)] {
            let x = Tensor.normal([2, c, h, w], using: &rng), wt = Tensor.normal([o, c, k, k], using: &rng)
            let geo = Conv2dGeometry(kernel: (k, k), padding: (p, p))
            let y = try Tensor.conv2d(x, weight: wt, bias: nil, geometry: geo)
            let g = Tensor.normal(y.shape, using: &rng)
            let grads = Tensor.conv2dBackward(gradOutput: g, input: x, weight: wt, geometry: geo, needInput: true)
            var dx = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: wt.count)
            var db = [Float](repeating: 0, count: o)
            for n in 0..<2 { for oc in 0..<o { for i in 0..<y.shape[2] { for j in 0..<y.shape[3] {
                let gv = g[n, oc, i, j]
                db[oc] += gv
                for ci in 0..<c { for ki in 0..<k { for kj in 0..<k {
                    let iy = i - p + ki, ix = j - p + kj
                    guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                    dx[((n * c + ci) * h + iy) * w + ix] += gv * wt[oc, ci, ki, kj]
                    dw[((oc * c + ci) * k + ki) * k + kj] += gv * x[n, ci, iy, ix]
                } } }
            } } } }
            assertClose(try XCTUnwrap(grads.input).scalars, dx, "dX \(c) \(o) \(k) \(p)")
            assertClose(grads.weight.scalars, dw, "dW \(c) \(o) \(k) \(p)")
            assertClose(grads.bias.scalars, db, "dB \(c) \(o) \(k) \(p)")
        }
    }

    /// Filters that each read one input channel (depthwise, channel multipliers, one-channel inputs) take
    /// the direct kernel: every stride, padding and dilation against the direct loops.
    func testDepthwiseConvolutionAgreesWithDirectLoops() throws {
        var rng = RandomGenerator(seed: 13)
        let configs: [(c: Int, m: Int, k: Int, s: Int, p: Int, d: Int, h: Int, w: Int)] = [
            (3, 1, 3, 1, 1, 1, 7, 9), (4, 2, 3, 2, 1, 1, 9, 8), (2, 1, 5, 2, 2, 1, 11, 6), (3, 1, 3, 1, 0, 2, 8, 7),
            (1, 4, 5, 1, 2, 1, 6, 5), (2, 1, 3, 3, 0, 1, 10, 10), (2, 3, 1, 1, 0, 1, 4, 3),
            // Planes of more than 64 outputs: the widest blocks (LeNet-5's first layer; a strided 3×3).
            (1, 6, 5, 1, 2, 1, 28, 28), (2, 1, 3, 2, 1, 1, 30, 27),
            // Multipliers of 4 and more, whose filters of one plane run four at a time: a small CNN's first layer,
            // strided, a small plane, four and two more, four and three more, and dilated (no phase planes).
            (1, 16, 3, 1, 1, 1, 28, 28), (2, 8, 3, 2, 1, 1, 15, 14), (1, 12, 3, 1, 1, 1, 5, 4),
            (2, 6, 5, 1, 2, 1, 12, 12), (1, 7, 3, 2, 1, 1, 9, 10), (3, 4, 3, 1, 0, 2, 9, 9),
        ]
        for cf in configs {
            let o = cf.c * cf.m, x = Tensor.normal([2, cf.c, cf.h, cf.w], using: &rng)
            let wt = Tensor.normal([o, 1, cf.k, cf.k], using: &rng), bias = Tensor.normal([o], using: &rng)
            let geo = Conv2dGeometry(kernel: (cf.k, cf.k), stride: (cf.s, cf.s), padding: (cf.p, cf.p),
                                     dilation: (cf.d, cf.d), groups: cf.c)
            let y = try Tensor.conv2d(x, weight: wt, bias: bias, geometry: geo)
            var expected: [Float] = []
            for n in 0..<2 { for oc in 0..<o { for i in 0..<y.shape[2] { for j in 0..<y.shape[3] {
                var sum = bias.scalars[oc]
                for ki in 0..<cf.k { for kj in 0..<cf.k {
                    let iy = i * cf.s - cf.p + ki * cf.d, ix = j * cf.s - cf.p + kj * cf.d
                    guard iy >= 0, iy < cf.h, ix >= 0, ix < cf.w else { continue }
                    sum += x[n, oc / cf.m, iy, ix] * wt[oc, 0, ki, kj]
                } }
                expected.append(sum)
            } } } }
            assertClose(y.scalars, expected, "depthwise \(cf)")
        }
    }

    func assertClose(_ a: [Float], _ b: [Float], _ what: String) {
        XCTAssertEqual(a.count, b.count, what)
        for (u, v) in zip(a, b) { XCTAssertEqual(u, v, accuracy: 1e-4 * max(1, abs(v)), what) }
    }

    func testMaxPoolKeepsTheFirstMaximumAndLetsANaNWin() throws {
        let nan = Float.nan
        // Four 2×2 windows of a 2×8 plane: a tie, a NaN after a number, a NaN first, -inf everywhere.
        let plane: [Float] = [5, 1, 2, nan, nan, 9, -.infinity, -.infinity,
                              5, 5, 3, 1, 9, 9, -.infinity, -.infinity]
        let (out, arg) = try Tensor.maxPool2d(try Tensor(shape: [1, 1, 2, 8], scalars: plane),
                                              geometry: Conv2dGeometry(kernel: (2, 2), stride: (2, 2)))
        XCTAssertEqual(out.scalars[0], 5)
        XCTAssertTrue(out.scalars[1].isNaN && out.scalars[2].isNaN)
        XCTAssertEqual(out.scalars[3], -.infinity)
        XCTAssertEqual(arg, [0, 3, 4, 6])
    }

    /// The values-only max pooling (inference) gives the values of the indexed one, bit for bit, for
    /// windows with padding, dilation and strides, ties of +0 and −0, and NaNs.
    func testMaxPoolValuesMatchTheIndexedPooling() throws {
        var rng = RandomGenerator(seed: 21)
        let geometries = [Conv2dGeometry(kernel: (3, 3), stride: (2, 2)),
                          Conv2dGeometry(kernel: (3, 3), stride: (2, 2), padding: (1, 1)),
                          Conv2dGeometry(kernel: (2, 3), stride: (1, 2), padding: (1, 1), dilation: (2, 1)),
                          Conv2dGeometry(kernel: (2, 2), stride: (2, 2)),
                          Conv2dGeometry(kernel: (1, 1), stride: (3, 1))]
        for g in geometries {
            var x = Tensor.normal([2, 3, 9, 8], using: &rng)
            x.scalars = x.scalars.enumerated().map { i, v in
                i % 17 == 0 ? .nan : i % 5 == 0 ? (i % 2 == 0 ? 0 : -0.0) : v
            }
            let indexed = try Tensor.maxPool2d(x, geometry: g).output
            let values = try Tensor.maxPool2dValues(x, geometry: g)
            XCTAssertEqual(values.shape, indexed.shape)
            XCTAssertEqual(values.scalars.map { $0.isNaN ? UInt32.max : $0.bitPattern },
                           indexed.scalars.map { $0.isNaN ? UInt32.max : $0.bitPattern }, "\(g)")
        }
    }

    func testReLUPassesNaNAndItsGradientFollowsTheOutput() throws {
        let x = Tensor([-2, -0.0, 0, 3, .nan, .infinity])
        let y = x.relu()
        XCTAssertEqual(Array(y.scalars.prefix(4)), [0, 0, 0, 3])
        XCTAssertTrue(y.scalars[4].isNaN)
        XCTAssertEqual(y.scalars[5], .infinity)
        XCTAssertFalse(y.scalars[1].sign == .minus, "-0 becomes +0")
        let g = try Tensor.reluBackward(Tensor([1, 2, 3, 4, 5, 6]), output: y)
        XCTAssertEqual(g.scalars, [0, 0, 0, 4, 0, 6])
        XCTAssertThrowsError(try Tensor.reluBackward(Tensor([1]), output: y))
    }

    /// At batch 1 the product is split by output positions (or, for small planes, by filters) over the
    /// cores: within float rounding of a batch, where each image's product runs whole on one core, and
    /// the same on every run.
    func testBatchOneConvolutionSplitByColumnsAgreesWithTheWholeProduct() throws {
        var rng = RandomGenerator(seed: 14)
        for (c, o, k, p, h) in [(16, 32, 3, 1, 28), (3, 64, 7, 3, 45), (64, 16, 1, 0, 30), (64, 128, 3, 1, 7)] {
            let x = Tensor.normal([2, c, h, h], using: &rng), w = Tensor.normal([o, c, k, k], using: &rng)
            let b = Tensor.normal([o], using: &rng)
            let geo = Conv2dGeometry(kernel: (k, k), padding: (p, p))
            let both = try Tensor.conv2d(x, weight: w, bias: b, geometry: geo)
            for img in 0..<2 {
                let image = try x.slice(axis: 0, start: img, end: img + 1)
                let one = try Tensor.conv2d(image, weight: w, bias: b, geometry: geo)
                XCTAssertEqual(one.scalars, try Tensor.conv2d(image, weight: w, bias: b, geometry: geo).scalars)
                let whole = Array(both.scalars[(img * one.count)..<((img + 1) * one.count)])
                let worst = zip(one.scalars, whole).map { Swift.abs($0 - $1) / (1 + Swift.abs($1)) }.max() ?? 0
                XCTAssertLessThan(worst, 1e-5, "\(c) → \(o), \(k)×\(k), image \(img)")
            }
        }
    }

    /// A batch larger than the cores multiplies every image by filters packed once (and, backward, by
    /// their packed transposes): the same bits as each image alone, where Prune's sgemm runs.
    func testFiltersPackedOnceGiveEachImagesProduct() throws {
        var rng = RandomGenerator(seed: 15)
        for (c, o, k, groups, h) in [(6, 16, 5, 1, 12), (12, 24, 3, 3, 9), (32, 40, 1, 1, 7)] {
            let n = ProcessInfoCores.count + 3
            let x = Tensor.normal([n, c, h, h], using: &rng), w = Tensor.normal([o, c / groups, k, k], using: &rng)
            let packs = w.scalars.withUnsafeBufferPointer { p in
                PackedFilters(p.baseAddress!, groups: groups, rows: o / groups, columns: c / groups * k * k) != nil
            }
            XCTAssertEqual(packs, prune_sgemm_available() != 0, "the filters are packed where Prune's sgemm runs")
            let geo = Conv2dGeometry(kernel: (k, k), padding: (k / 2, k / 2), groups: groups)
            let y = try Tensor.conv2d(x, weight: w, bias: nil, geometry: geo)
            let g = Tensor.normal(y.shape, using: &rng)
            let dx = try XCTUnwrap(Tensor.conv2dBackward(gradOutput: g, input: x, weight: w, geometry: geo,
                                                         needInput: true).input)
            for img in [0, n - 1] {
                let one = try x.slice(axis: 0, start: img, end: img + 1)
                let alone = try Tensor.conv2d(one, weight: w, bias: nil, geometry: geo)
                let gOne = try g.slice(axis: 0, start: img, end: img + 1)
                let dxAlone = try XCTUnwrap(Tensor.conv2dBackward(gradOutput: gOne, input: one, weight: w,
                                                                  geometry: geo, needInput: true).input)
                let pairs = [(Array(y.scalars[(img * alone.count)..<((img + 1) * alone.count)]), alone.scalars),
                             (Array(dx.scalars[(img * one.count)..<((img + 1) * one.count)]), dxAlone.scalars)]
                for (batched, single) in pairs {
                    if prune_sgemm_available() != 0 {
                        XCTAssertEqual(batched, single, "\(c) → \(o), \(k)×\(k), \(groups) groups")
                    } else {
                        let worst = zip(batched, single).map { Swift.abs($0 - $1) / (1 + Swift.abs($1)) }.max() ?? 0
                        XCTAssertLessThan(worst, 1e-5)
                    }
                }
            }
        }
    }
}
