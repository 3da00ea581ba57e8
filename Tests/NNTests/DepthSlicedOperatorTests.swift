import PruneAutodiff
import PruneNN
import PruneTensor
import XCTest

/// 3-D Conv and pooling run as 2-D ones on depth slices (``DepthSlicedOperator``), against the 3-D
/// definitions summed in Double, and the convolution's gradients against finite differences.
final class DepthSlicedOperatorTests: XCTestCase {
    static func random(_ shape: [Int], _ rng: inout RandomGenerator) -> Tensor {
        Tensor(unchecked: shape, (0..<shape.reduce(1, *)).map { _ in rng.nextUniform() * 2 - 1 })
    }

    /// [N, C, D, H, W] with stride (2, 1, 2), dilation (2, 1, 1), padding (1 | 2 in depth, 1 in height).
    let depth = DepthWindow(kernel: 2, stride: 2, dilation: 2, padBegin: 1, padEnd: 2, autoPad: nil, ceilMode: false)
    let planarGeometry = Conv2dGeometry(kernel: (2, 3), stride: (1, 2), padding: (1, 0))

    /// The 3-D convolution by its definition:
    /// y[n, o, d, h, w] = b[o] + Σ x[n, c, d·s − p + k·dil, …] · W[o, c, k, …].
    func reference(_ x: Tensor, _ w: Tensor, _ b: Tensor, outShape: [Int]) -> [Double] {
        let (c, d, h, wd) = (x.shape[1], x.shape[2], x.shape[3], x.shape[4])
        let (o, kd, kh, kw) = (w.shape[0], w.shape[2], w.shape[3], w.shape[4])
        var y = [Double](repeating: 0, count: outShape.reduce(1, *))
        for i in y.indices {
            var r = i
            let ow = r % outShape[4]; r /= outShape[4]
            let oh = r % outShape[3]; r /= outShape[3]
            let od = r % outShape[2]; r /= outShape[2]
            let oc = r % o, img = r / o
            var sum = Double(b.scalars[oc])
            for ic in 0..<c { for a in 0..<kd { for p in 0..<kh { for q in 0..<kw {
                let zd = od * 2 - 1 + a * 2, zh = oh - 1 + p, zw = ow * 2 + q
                guard zd >= 0, zd < d, zh >= 0, zh < h, zw >= 0, zw < wd else { continue }
                let xv = x.scalars[(((img * c + ic) * d + zd) * h + zh) * wd + zw]
                sum += Double(xv) * Double(w.scalars[(((oc * c + ic) * kd + a) * kh + p) * kw + q])
            } } } }
            y[i] = sum
        }
        return y
    }

    func convolution() -> DepthSlicedOperator {
        DepthSlicedOperator(kind: .convolution, window: depth,
                            planar: FunctionalConvOperator(geometry: planarGeometry, padding: nil))
    }

    func testConvolutionMatchesTheDefinition() throws {
        var rng = RandomGenerator(seed: 3)
        let x = Self.random([2, 3, 5, 4, 5], &rng), w = Self.random([4, 3, 2, 2, 3], &rng), b = Self.random([4], &rng)
        let y = try convolution().run([.float(Variable(x)), .float(Variable(w)), .float(Variable(b))])[0]
            .variable("Y").value
        // Depth: (5 + 1 + 2 − 3) / 2 + 1 = 3; height (4 + 2 − 2) + 1 = 5; width (5 − 3) / 2 + 1 = 2.
        XCTAssertEqual(y.shape, [2, 4, 3, 5, 2])
        let expected = reference(x, w, b, outShape: y.shape)
        XCTAssertLessThan(zip(y.scalars, expected).map { abs(Double($0) - $1) }.max() ?? 1, 1e-5)
    }

    func testConvolutionGradientsMatchFiniteDifferences() throws {
        var rng = RandomGenerator(seed: 4)
        let tensors = [Self.random([1, 2, 4, 3, 5], &rng), Self.random([2, 2, 2, 2, 3], &rng), Self.random([2], &rng)]
        let op = convolution()
        func run(_ t: [Variable]) throws -> Variable { try op.run(t.map { .float($0) })[0].variable("Y") }
        let vars = tensors.map { Variable($0, requiresGrad: true) }
        let y = try run(vars)
        let upstream = Self.random(y.shape, &rng)
        try y.backward(upstream)
        func objective(_ t: [Tensor]) throws -> Double {
            let out = try withNoGrad { try run(t.map { Variable($0) }) }
            return zip(out.value.scalars, upstream.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        for (i, v) in vars.enumerated() {
            let analytic = try XCTUnwrap(v.grad)
            for j in stride(from: 0, to: tensors[i].count, by: 3) {
                var plus = tensors, minus = tensors
                plus[i].scalars[j] += 1e-2
                minus[i].scalars[j] -= 1e-2
                let numeric = (try objective(plus) - objective(minus)) / 2e-2
                XCTAssertEqual(Double(analytic.scalars[j]), numeric, accuracy: 1e-3 * max(1, abs(numeric)), "\(i) \(j)")
            }
        }
    }

    /// Average and max pooling over a 2×2×2 window, stride 1, depth padding 1 at the front: the
    /// average divides by the taps inside (count_include_pad 0) or inside the padded extent (1).
    func testPoolingMatchesTheDefinition() throws {
        var rng = RandomGenerator(seed: 5)
        let x = Self.random([1, 2, 3, 3, 3], &rng)
        let window = DepthWindow(kernel: 2, stride: 1, dilation: 1, padBegin: 1, padEnd: 0, autoPad: nil,
                                 ceilMode: false)
        let planar = Conv2dGeometry(kernel: (2, 2))
        for kind in [DepthSlicedOperator.Kind.maxPool, .averagePool(countIncludePad: false),
                     .averagePool(countIncludePad: true)] {
            let isMax: Bool
            if case .maxPool = kind { isMax = true } else { isMax = false }
            let op = DepthSlicedOperator(kind: kind, window: window,
                                         planar: PoolOperator(kind: isMax ? .max : .average, geometry: planar))
            let y = try op.run([.float(Variable(x))])[0].variable("Y").value
            XCTAssertEqual(y.shape, [1, 2, 3, 2, 2])
            for i in 0..<y.count {
                let ow = i % 2, oh = (i / 2) % 2, od = (i / 4) % 3, c = i / 12
                var values: [Float] = []
                for a in 0..<2 where od - 1 + a >= 0 && od - 1 + a < 3 { for p in 0..<2 { for q in 0..<2 {
                    values.append(x.scalars[((c * 3 + od - 1 + a) * 3 + oh + p) * 3 + ow + q])
                } } }
                var divisor = Float(values.count)
                if case .averagePool(true) = kind { divisor = 8 }
                let expected = isMax ? values.max()! : values.reduce(0, +) / divisor
                XCTAssertEqual(y.scalars[i], expected, accuracy: 1e-6, "\(kind) \(i)")
            }
        }
    }

    func testSamePaddingAndCeilModeFollowTheOperatorRules() {
        // SAME_UPPER, depth 5, kernel 3, stride 2: 3 outputs, total padding 2 split 1 / 1; SAME_LOWER with 1 extra.
        let same = DepthWindow(kernel: 3, stride: 2, dilation: 1, padBegin: 0, padEnd: 0, autoPad: "SAME_UPPER",
                               ceilMode: false)
        XCTAssertEqual([same.plan(depth: 5).begin, same.plan(depth: 5).end, same.plan(depth: 5).outputs], [1, 1, 3])
        let lower = DepthWindow(kernel: 2, stride: 1, dilation: 1, padBegin: 0, padEnd: 0, autoPad: "SAME_LOWER",
                                ceilMode: false)
        XCTAssertEqual([lower.plan(depth: 4).begin, lower.plan(depth: 4).end, lower.plan(depth: 4).outputs], [1, 0, 4])
        // Ceil mode: depth 5, kernel 2, stride 2 gives 3 windows (the last starts at 4, inside the input).
        let ceil = DepthWindow(kernel: 2, stride: 2, dilation: 1, padBegin: 0, padEnd: 0, autoPad: nil, ceilMode: true)
        XCTAssertEqual(ceil.plan(depth: 5).outputs, 3)
        // Transposed: depth 3, stride 2, kernel 3, output padding 1 → 2·2 + 1 + 3 = 8 slices before padding.
        let t = DepthWindow(kernel: 3, stride: 2, dilation: 1, padBegin: 1, padEnd: 0, autoPad: nil, ceilMode: false)
        XCTAssertEqual(t.transposedPlan(depth: 3, outputPadding: 1, outputShape: nil).outputs, 7)
        XCTAssertEqual(t.transposedPlan(depth: 3, outputPadding: 0, outputShape: 6).begin, 1)
    }
}
