import CDenseKernels
import XCTest
@testable import PruneTensor

final class TensorTests: XCTestCase {
    func testShapeErrorsNameTheOpAndShapes() {
        XCTAssertThrowsError(try Tensor.zeros([2, 3]) + Tensor.zeros([4])) { e in
            XCTAssertEqual(String(describing: e), "add: shapes [2, 3] and [4] do not fit: axis 1 has extents 3 and 4; broadcasting needs equal extents or 1")
        }
        XCTAssertThrowsError(try Tensor.matmul(.zeros([2, 3]), .zeros([4, 5]))) { e in
            XCTAssertTrue(String(describing: e).hasPrefix("matmul: shapes [2, 3] and [4, 5]"))
        }
        XCTAssertThrowsError(try Tensor.zeros([6]).reshaped([4, -1])) { e in XCTAssertTrue(String(describing: e).hasPrefix("reshape")) }
        XCTAssertThrowsError(try Tensor(shape: [2, 2], scalars: [1, 2, 3]))
        XCTAssertThrowsError(try Tensor.conv2d(.zeros([1, 3, 5, 5]), weight: .zeros([4, 2, 3, 3]), bias: nil,
                                               geometry: Conv2dGeometry(kernel: (3, 3)))) { e in
            XCTAssertTrue(String(describing: e).hasPrefix("conv2d"))
        }
        XCTAssertThrowsError(try Tensor.conv2d(.zeros([1, 1, 2, 2]), weight: .zeros([1, 1, 3, 3]), bias: nil,
                                               geometry: Conv2dGeometry(kernel: (3, 3)))) { e in
            XCTAssertTrue(String(describing: e).contains("does not fit"))
        }
    }

    func testBroadcastingAgreesWithExplicitExpansion() throws {
        var rng = RandomGenerator(seed: 1)
        for (sa, sb) in [([2, 3, 4], [3, 1]), ([4, 1, 5], [1, 6, 1]), ([3], [2, 3]), ([], [2, 2]), ([2, 1], [1, 3])] {
            let a = Tensor.normal(sa, using: &rng), b = Tensor.normal(sb, using: &rng)
            let out = try a * b
            let s = try Tensor.broadcastShape(sa, sb, op: "t")
            let ea = try a.broadcast(to: s), eb = try b.broadcast(to: s)
            XCTAssertEqual(out.shape, s)
            for i in 0..<out.count { XCTAssertEqual(out.scalars[i], ea.scalars[i] * eb.scalars[i]) }
            XCTAssertEqual(try out.sum(toShape: sb).shape, sb.isEmpty ? [] : sb)
        }
    }

    /// Operands that broadcast along separate axes ([N, 1, 1, T] against [N, H, T, T], an attention mask) take
    /// the general path, one run of the last axis at a time: both operands stepping along it, one repeated on
    /// it (either order), or a last axis of one; a single value on either side takes its own loop. Every element
    /// against an index-by-index reference, for a subtraction (which tells the operands apart).
    func testGeneralBroadcastEqualsIndexByIndexReference() throws {
        var rng = RandomGenerator(seed: 6)
        let cases: [([Int], [Int])] = [([2, 1, 1, 5], [2, 3, 4, 5]), ([2, 3, 4, 5], [2, 1, 4, 1]),
                                       ([2, 1, 4, 1], [2, 3, 4, 5]), ([2, 1, 1], [1, 3, 1]), ([], [2, 3]),
                                       ([2, 3], [1, 1])]
        for (sa, sb) in cases {
            let a = Tensor.normal(sa, using: &rng), b = Tensor.normal(sb, using: &rng)
            let out = try a - b, shape = try Tensor.broadcastShape(sa, sb, op: "t")
            XCTAssertEqual(out.shape, shape)
            func source(_ flat: Int, _ operand: [Int]) -> Int {
                let aligned = [Int](repeating: 1, count: shape.count - operand.count) + operand
                var rest = flat, index = 0, step = 1
                for d in stride(from: shape.count - 1, through: 0, by: -1) {
                    index += (aligned[d] == 1 ? 0 : rest % shape[d]) * step
                    step *= aligned[d]; rest /= shape[d]
                }
                return index
            }
            for i in 0..<out.count {
                XCTAssertEqual(out.scalars[i], a.scalars[source(i, sa)] - b.scalars[source(i, sb)], "\(sa) \(sb)")
            }
        }
    }

    /// Operands that vary along one run of axes of the other ([C, 1, 1] against [N, C, H, W], a bias
    /// [D], [1, C, 1]) take the run-broadcast path: every element against an index-by-index reference,
    /// for subtraction and division in both operand orders.
    func testRunBroadcastEqualsIndexByIndexReference() throws {
        var rng = RandomGenerator(seed: 3)
        let cases: [([Int], [Int])] = [([2, 3, 4, 5], [3, 1, 1]), ([2, 3, 4, 5], [1, 3, 1, 1]), ([2, 3, 4], [4]),
                                       ([2, 3, 4], [1, 3, 1]), ([2, 3, 4, 5], [3, 4, 1]), ([5, 7], [7])]
        for (big, small) in cases {
            let a = Tensor.normal(big, using: &rng), b = Tensor.normal(small, using: &rng)
            let aligned = [Int](repeating: 1, count: big.count - small.count) + small
            func smallIndex(_ flat: Int) -> Int {
                var rest = flat, index = 0, step = 1
                var picked = [Int](repeating: 0, count: big.count)
                for d in stride(from: big.count - 1, through: 0, by: -1) { picked[d] = rest % big[d]; rest /= big[d] }
                for d in stride(from: big.count - 1, through: 0, by: -1) {
                    index += (aligned[d] == 1 ? 0 : picked[d]) * step
                    step *= aligned[d]
                }
                return index
            }
            let minus = try a - b, over = try b / a
            XCTAssertEqual(minus.shape, big)
            for i in 0..<a.count {
                XCTAssertEqual(minus.scalars[i], a.scalars[i] - b.scalars[smallIndex(i)], "\(big) - \(small)")
                XCTAssertEqual(over.scalars[i], b.scalars[smallIndex(i)] / a.scalars[i], "\(small) / \(big)")
            }
        }
    }

    func testMatmulAgreesWithNaiveProduct() throws {
        var rng = RandomGenerator(seed: 2)
        for (m, k, n) in [(1, 1, 1), (3, 7, 5), (17, 33, 9), (64, 1, 3)] {
            let a = Tensor.normal([2, m, k], using: &rng), b = Tensor.normal([2, k, n], using: &rng)
            let c = try Tensor.matmul(a, b)
            for bi in 0..<2 { for i in 0..<m { for j in 0..<n {
                var s: Float = 0
                for t in 0..<k { s += a[bi, i, t] * b[bi, t, j] }
                XCTAssertEqual(c[bi, i, j], s, accuracy: 1e-4 * max(1, abs(s)))
            } } }
            let ct = try Tensor.matmul(a.slice(axis: 0, start: 0, end: 1).squeezed([0]),
                                       b.slice(axis: 0, start: 0, end: 1).squeezed([0]).transposed(), transposeB: true)
            XCTAssertEqual(ct.shape, [m, n])
            for i in 0..<m { for j in 0..<n { XCTAssertEqual(ct[i, j], c[0, i, j], accuracy: 1e-4 * max(1, abs(c[0, i, j]))) } }
        }
    }

    func testConvolutionAgreesWithDirectLoops() throws {
        var rng = RandomGenerator(seed: 3)
        let configs: [(c: Int, o: Int, k: Int, s: Int, p: Int, d: Int, g: Int, h: Int, w: Int)] = [
            (3, 4, 3, 1, 1, 1, 1, 7, 6), (4, 6, 3, 2, 0, 1, 2, 9, 9), (3, 3, 3, 1, 2, 2, 3, 8, 7), (2, 5, 1, 1, 0, 1, 1, 4, 4), (1, 1, 5, 3, 2, 1, 1, 11, 5),
        ]
        for cf in configs {
            let x = Tensor.normal([2, cf.c, cf.h, cf.w], using: &rng)
            let wt = Tensor.normal([cf.o, cf.c / cf.g, cf.k, cf.k], using: &rng)
            let bias = Tensor.normal([cf.o], using: &rng)
            let geo = Conv2dGeometry(kernel: (cf.k, cf.k), stride: (cf.s, cf.s), padding: (cf.p, cf.p), dilation: (cf.d, cf.d), groups: cf.g)
            let y = try Tensor.conv2d(x, weight: wt, bias: bias, geometry: geo)
            let (oh, ow) = (y.shape[2], y.shape[3])
            let cg = cf.c / cf.g, og = cf.o / cf.g
            for n in 0..<2 { for o in 0..<cf.o { for i in 0..<oh { for j in 0..<ow {
                var s = bias.scalars[o]
                let gi = o / og
                for c in 0..<cg { for ki in 0..<cf.k { for kj in 0..<cf.k {
                    let iy = i * cf.s - cf.p + ki * cf.d, ix = j * cf.s - cf.p + kj * cf.d
                    if iy >= 0 && iy < cf.h && ix >= 0 && ix < cf.w { s += x[n, gi * cg + c, iy, ix] * wt[o, c, ki, kj] }
                } } }
                XCTAssertEqual(y[n, o, i, j], s, accuracy: 1e-4 * max(1, abs(s)), "config \(cf)")
            } } } }
        }
    }

    func testReductions() throws {
        let t = try Tensor(shape: [2, 3], scalars: [1, 5, 3, 4, 2, 6])
        XCTAssertEqual(try t.sum(axes: [0]).scalars, [5, 7, 9])
        XCTAssertEqual(try t.sum(axes: [1], keepDims: true).shape, [2, 1])
        XCTAssertEqual(try t.mean().item, 3.5)
        XCTAssertEqual(try t.max(axis: 1).scalars, [5, 6])
        XCTAssertEqual(try t.min(axis: 0).scalars, [1, 2, 3])
        XCTAssertEqual(try t.argmax(axis: 1), [1, 2])
        XCTAssertEqual(try t.variance(axes: [1]).scalars[0], 8.0 / 3.0, accuracy: 1e-6)
        XCTAssertEqual(try t.variance(axes: [1], unbiased: true).scalars[0], 4, accuracy: 1e-6)
        XCTAssertEqual(try t.l1Norm().item, 21)
        XCTAssertEqual(try t.l2Norm(axes: [1]).scalars[0], (1 + 25 + 9 as Float).squareRoot(), accuracy: 1e-6)
        XCTAssertThrowsError(try t.sum(axes: [2]))
    }

    /// Sums over the trailing axes (a global average pool), cut over the cores from 32k values: every row's
    /// sum is the row's own vectorized sum (`prune_sum_f32`, the same bits whichever core ran it) and within
    /// rounding of a sum in Double; empty rows sum to 0.
    func testTrailingSumsOverTheCores() throws {
        var rng = RandomGenerator(seed: 12)
        for shape in [[1, 1000, 13, 13], [2, 3, 5, 7], [3, 37, 33, 31]] {
            let x = Tensor.normal(shape, using: &rng), length = shape[2] * shape[3]
            let sums = try x.sum(axes: [2, 3], keepDims: true), means = try x.mean(axes: [2, 3])
            XCTAssertEqual(sums.shape, [shape[0], shape[1], 1, 1])
            XCTAssertEqual(means.shape, [shape[0], shape[1]])
            x.scalars.withUnsafeBufferPointer { p in
                for row in 0..<shape[0] * shape[1] {
                    let own = prune_sum_f32(p.baseAddress! + row * length, Int64(length))
                    XCTAssertEqual(sums.scalars[row], own, "row \(row) of \(shape)")
                    let exact = p[row * length ..< (row + 1) * length].reduce(0.0) { $0 + Double($1) }
                    XCTAssertEqual(Double(sums.scalars[row]), exact, accuracy: 1e-4 * Double(length))
                    XCTAssertEqual(means.scalars[row], own / Float(length))
                }
            }
        }
        let empty = try Tensor(shape: [2, 3, 0, 4], scalars: []).sum(axes: [2, 3], keepDims: true)
        XCTAssertEqual(empty.scalars, [Float](repeating: 0, count: 6))
    }

    func testIndexingOpsAreConsistent() throws {
        var rng = RandomGenerator(seed: 4)
        let a = Tensor.normal([3, 4, 5], using: &rng)
        let p = try a.permuted([2, 0, 1])
        XCTAssertEqual(p.shape, [5, 3, 4])
        XCTAssertEqual(p[4, 2, 1], a[2, 1, 4])
        XCTAssertEqual(try p.permuted(Tensor.inversePermutation([2, 0, 1])), a)
        let parts = try [0, 1, 3].indices.map { _ in () }.count
        XCTAssertEqual(parts, 3)
        let s1 = try a.slice(axis: 1, start: 0, end: 1), s2 = try a.slice(axis: 1, start: 1, end: 4)
        XCTAssertEqual(try Tensor.concat([s1, s2], axis: 1), a)
        let g = try a.gather(axis: 2, indices: [4, 0, 4])
        XCTAssertEqual(g[1, 2, 0], a[1, 2, 4])
        let back = try Tensor.scatterAdd(shape: a.shape, axis: 2, indices: [4, 0, 4], source: g)
        XCTAssertEqual(back[1, 2, 4], 2 * a[1, 2, 4], accuracy: 1e-6)
        XCTAssertEqual(back[1, 2, 1], 0)
        let w = try Tensor.select(Tensor([1, 0, 1]), Tensor([1, 2, 3]), Tensor([9]))
        XCTAssertEqual(w.scalars, [1, 9, 3])
        XCTAssertThrowsError(try a.gather(axis: 0, indices: [3]))
    }

    func testSoftmaxPoolingAndMath() throws {
        var rng = RandomGenerator(seed: 5)
        let x = Tensor.normal([4, 7], using: &rng) * 30
        let s = try x.softmax(axis: 1)
        for r in 0..<4 { XCTAssertEqual(try s.slice(axis: 0, start: r, end: r + 1).sum().item, 1, accuracy: 1e-5) }
        XCTAssertTrue(try x.logSoftmax(axis: 1).isFinite)
        let img = try Tensor(shape: [1, 1, 2, 2], scalars: [1, 4, 3, 2])
        XCTAssertEqual(try Tensor.maxPool2d(img, geometry: Conv2dGeometry(kernel: (2, 2), stride: (2, 2))).output.scalars, [4])
        XCTAssertEqual(try Tensor.avgPool2d(img, geometry: Conv2dGeometry(kernel: (2, 2), stride: (2, 2))).scalars, [2.5])
        XCTAssertEqual(Tensor([-1, 0, 2]).relu().scalars, [0, 0, 2])
        XCTAssertEqual(Tensor([0]).gelu().scalars, [0])
        XCTAssertEqual(Tensor([1]).gelu().scalars[0], 0.8413447, accuracy: 1e-6)
        XCTAssertEqual(Tensor.arange(0, 5, step: 2).scalars, [0, 2, 4])
    }

    func testRandomGeneratorIsDeterministicAndInitializersHaveTheirScale() {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42), c = RandomGenerator(seed: 43)
        let x = Tensor.normal([1000], using: &a), y = Tensor.normal([1000], using: &b), z = Tensor.normal([1000], using: &c)
        XCTAssertEqual(x, y)
        XCTAssertNotEqual(x, z)
        let mean = x.scalars.reduce(0, +) / 1000
        XCTAssertEqual(mean, 0, accuracy: 0.1)
        var r = RandomGenerator(seed: 1)
        let k = Tensor.kaimingUniform([300, 784], using: &r)
        let bound = (6.0 / 784.0 as Float).squareRoot()
        XCTAssertLessThanOrEqual(k.abs().max(), bound)
        XCTAssertGreaterThan(k.abs().max(), bound * 0.99)
        let xv = Tensor.xavierNormal([200, 300], using: &r)
        let std = (xv.square().scalars.reduce(0, +) / Float(xv.count)).squareRoot()
        XCTAssertEqual(std, (2.0 / 500.0 as Float).squareRoot(), accuracy: 0.003)
    }
}
