import PruneAutodiff
import PruneTensor
import XCTest

/// The transposed convolution (ONNX ConvTranspose) against its definition — every input element
/// scatters x·W into the output at stride·position + dilation·offset − padding, summed in Double —
/// and its gradients against central finite differences.
final class TransposedConvolutionTests: XCTestCase {
    struct Case {
        let x: Tensor, w: Tensor, b: Tensor?
        let geometry: Conv2dGeometry
        let extra: (h: Int, w: Int)
        let window: Variable.OutputWindow
    }

    static func random(_ shape: [Int], _ rng: inout RandomGenerator) -> Tensor {
        Tensor(unchecked: shape, (0..<shape.reduce(1, *)).map { _ in rng.nextUniform() * 2 - 1 })
    }

    static func cases() -> [Case] {
        var rng = RandomGenerator(seed: 11)
        let grouped = Conv2dGeometry(kernel: (3, 2), stride: (2, 1), dilation: (1, 2), groups: 2)
        return [
            Case(x: random([2, 4, 3, 4], &rng), w: random([4, 3, 3, 2], &rng), b: random([6], &rng),
                 geometry: grouped, extra: (1, 0), window: .init(top: 1, left: -1, height: 7, width: 8)),
            Case(x: random([1, 2, 2, 3], &rng), w: random([2, 1, 2, 2], &rng), b: nil,
                 geometry: Conv2dGeometry(kernel: (2, 2), stride: (3, 2)), extra: (2, 1),
                 window: .init(top: 0, left: 0, height: 7, width: 7)),
        ]
    }

    /// The definition, in Double.
    static func reference(_ c: Case) -> [Double] {
        let n = c.x.shape[0], ci = c.x.shape[1], hi = c.x.shape[2], wi = c.x.shape[3]
        let cg = c.w.shape[1], groups = c.geometry.groups, co = cg * groups, og = ci / groups
        let (kh, kw) = (c.w.shape[2], c.w.shape[3]), win = c.window
        var y = [Double](repeating: 0, count: n * co * win.height * win.width)
        for img in 0..<n { for ic in 0..<ci { for i in 0..<hi { for j in 0..<wi {
            let xIndex: Int = ((img * ci + ic) * hi + i) * wi + j
            let xv = Double(c.x.scalars[xIndex]), g = ic / og
            for oc in 0..<cg { for ki in 0..<kh { for kj in 0..<kw {
                let r: Int = i * c.geometry.stride.h + ki * c.geometry.dilation.h - win.top
                let s: Int = j * c.geometry.stride.w + kj * c.geometry.dilation.w - win.left
                guard r >= 0, r < win.height, s >= 0, s < win.width else { continue }
                let wIndex: Int = ((ic * cg + oc) * kh + ki) * kw + kj
                let yIndex: Int = ((img * co + g * cg + oc) * win.height + r) * win.width + s
                y[yIndex] += xv * Double(c.w.scalars[wIndex])
            } } }
        } } } }
        if let b = c.b {
            for k in y.indices { y[k] += Double(b.scalars[(k / (win.height * win.width)) % co]) }
        }
        return y
    }

    func run(_ c: Case, _ inputs: [Variable]) throws -> Variable {
        try Variable.convTranspose2d(inputs[0], weight: inputs[1], bias: inputs.count > 2 ? inputs[2] : nil,
                                     geometry: c.geometry, extra: c.extra, window: c.window)
    }

    func testMatchesTheDefinition() throws {
        for c in Self.cases() {
            let y = try run(c, [Variable(c.x), Variable(c.w)] + (c.b.map { [Variable($0)] } ?? []))
            let expected = Self.reference(c)
            XCTAssertEqual(y.shape, [c.x.shape[0], c.w.shape[1] * c.geometry.groups, c.window.height, c.window.width])
            let worst = zip(y.value.scalars, expected).map { abs(Double($0) - $1) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-5)
        }
    }

    func testGradientsMatchFiniteDifferences() throws {
        var rng = RandomGenerator(seed: 12)
        for c in Self.cases() {
            let tensors = [c.x, c.w] + (c.b.map { [$0] } ?? [])
            let vars = tensors.map { Variable($0, requiresGrad: true) }
            let y = try run(c, vars)
            let upstream = Self.random(y.shape, &rng)
            try y.backward(upstream)
            func objective(_ t: [Tensor]) throws -> Double {
                let out = try withNoGrad { try run(c, t.map { Variable($0) }) }
                return zip(out.value.scalars, upstream.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
            }
            for (i, v) in vars.enumerated() {
                let analytic = try XCTUnwrap(v.grad)
                for j in 0..<tensors[i].count {
                    var plus = tensors, minus = tensors
                    plus[i].scalars[j] += 1e-2
                    minus[i].scalars[j] -= 1e-2
                    let numeric = (try objective(plus) - objective(minus)) / 2e-2
                    XCTAssertEqual(Double(analytic.scalars[j]), numeric, accuracy: 1e-3 * max(1, abs(numeric)),
                                   "input \(i) element \(j)")
                }
            }
        }
    }
}
