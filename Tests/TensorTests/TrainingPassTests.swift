import CDenseKernels
@testable import PruneTensor
import XCTest

/// Training's passes around convolutions on batches large enough to run over the cores: max pooling's
/// values, winners and backward pass, ReLU with its backward pass, and the bias gradient, against loops
/// written here.
final class TrainingPassTests: XCTestCase {
    /// Winners from the definition (first maximum in reading order, padding never wins), the gradient
    /// added at each winner in output order over zeros: bit for bit, overlapping windows included.
    func testMaxPoolBackwardOverManyPlanesMatchesTheDefinition() throws {
        var rng = RandomGenerator(seed: 31)
        let cases: [(k: Int, s: Int, p: Int, h: Int, w: Int)] = [(2, 2, 0, 28, 28), (3, 2, 1, 15, 13),
                                                                 (3, 1, 0, 9, 10), (2, 2, 0, 7, 9)]
        for c in cases {
            let x = Tensor.normal([16, 24, c.h, c.w], using: &rng)
            let geo = Conv2dGeometry(kernel: (c.k, c.k), stride: (c.s, c.s), padding: (c.p, c.p))
            let (out, arg) = try Tensor.maxPool2d(x, geometry: geo)
            let g = Tensor.normal(out.shape, using: &rng)
            let dx = Tensor.maxPool2dBackward(gradOutput: g, argmax: arg, inputShape: x.shape)
            let oh = out.shape[2], ow = out.shape[3], hw = c.h * c.w
            var expected = [Float](repeating: 0, count: x.count), maxima = [Float](), winners = [Int32]()
            for plane in 0..<(16 * 24) {
                for y in 0..<oh { for xo in 0..<ow {
                    var best = -Float.infinity, at = -1
                    for ki in 0..<c.k { for kj in 0..<c.k {
                        let iy = y * c.s - c.p + ki, ix = xo * c.s - c.p + kj
                        guard iy >= 0, iy < c.h, ix >= 0, ix < c.w else { continue }
                        let v = x.scalars[plane * hw + iy * c.w + ix]
                        if at < 0 || v > best { best = v; at = iy * c.w + ix }
                    } }
                    maxima.append(best)
                    winners.append(Int32(at))
                    expected[plane * hw + at] += g.scalars[(plane * oh + y) * ow + xo]
                } }
            }
            XCTAssertEqual(out.scalars, maxima, "maxima \(c)")
            XCTAssertEqual(arg, winners, "winners \(c)")
            XCTAssertEqual(dx.shape, x.shape)
            XCTAssertEqual(dx.scalars.map(\.bitPattern), expected.map(\.bitPattern), "dX \(c)")
        }
    }

    /// ReLU and its backward pass on 600 K values (split over the cores): each value by the rule.
    func testReluAndItsBackwardOverManyValuesFollowTheRule() throws {
        var rng = RandomGenerator(seed: 32)
        var x = Tensor.normal([5, 120_001], using: &rng)
        x.scalars[7] = .nan
        x.scalars[300_000] = -0.0
        let y = x.relu(), g = Tensor.normal(x.shape, using: &rng)
        let dx = try Tensor.reluBackward(g, output: y)
        let expectedY = x.scalars.map { $0 <= 0 ? Float(0) : $0 }
        let expectedG = zip(expectedY, g.scalars).map { $0 > 0 ? $1 : Float(0) }
        XCTAssertEqual(y.scalars.map(\.bitPattern), expectedY.map(\.bitPattern), "relu")
        XCTAssertEqual(dx.scalars.map(\.bitPattern), expectedG.map(\.bitPattern), "relu backward")
    }

    /// The bias gradient of a convolution over 64 images and 32 channels (split over the cores by channel):
    /// the same bits as each channel's plane sums added image by image.
    func testBiasGradientOverManyChannelsAddsImagesInOrder() throws {
        var rng = RandomGenerator(seed: 33)
        let x = Tensor.normal([64, 16, 14, 14], using: &rng), w = Tensor.normal([32, 16, 3, 3], using: &rng)
        let geo = Conv2dGeometry(kernel: (3, 3), padding: (1, 1))
        let g = Tensor.normal([64, 32, 14, 14], using: &rng)
        let grads = Tensor.conv2dBackward(gradOutput: g, input: x, weight: w, geometry: geo, needInput: false)
        var expected = [Float](repeating: 0, count: 32)
        g.scalars.withUnsafeBufferPointer { gp in
            for img in 0..<64 { for oc in 0..<32 {
                expected[oc] += prune_sum_f32(gp.baseAddress! + (img * 32 + oc) * 196, 196)
            } }
        }
        XCTAssertEqual(grads.bias.scalars.map(\.bitPattern), expected.map(\.bitPattern))
        var naive = [Double](repeating: 0, count: 32)
        for (i, v) in g.scalars.enumerated() { naive[(i / 196) % 32] += Double(v) }
        for oc in 0..<32 { XCTAssertEqual(Double(grads.bias.scalars[oc]), naive[oc], accuracy: 1e-3) }
    }
}
