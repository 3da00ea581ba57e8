import Foundation
import XCTest
import PruneTensor
import PruneAutodiff

/// Every op's analytic gradient agrees with central finite differences of L = Σ out · upstream.
final class FiniteDifferenceTests: XCTestCase {
    /// L computed in Double from the Float32 output, so rounding stays far below the difference step.
    func objective(_ op: OpCases.Op, _ inputs: [Tensor], _ upstream: Tensor) throws -> Double {
        let out = try withNoGrad { try op(inputs.map { Variable($0) }) }
        var s: Double = 0
        for i in 0..<out.value.count { s += Double(out.value.scalars[i]) * Double(upstream.scalars[i]) }
        return s
    }

    func testGradientsMatchFiniteDifferences() throws {
        let fixture = try OpFixture.load()
        let eps: Float = 1e-3
        for c in fixture.cases {
            guard let op = OpCases.all[c.name] else { continue }
            let vars = c.inputs.enumerated().map { Variable($0.element, requiresGrad: c.differentiable.contains($0.offset)) }
            try op(vars).backward(c.upstream)
            for i in c.differentiable {
                let analytic = vars[i].grad ?? Tensor.zeros(c.inputs[i].shape)
                var worst: Float = 0, at = -1
                for j in 0..<c.inputs[i].count {
                    var plus = c.inputs, minus = c.inputs
                    plus[i].scalars[j] += eps
                    minus[i].scalars[j] -= eps
                    let numeric = Float((try objective(op, plus, c.upstream) - objective(op, minus, c.upstream)) / Double(2 * eps))
                    let err = abs(numeric - analytic.scalars[j]) / max(1, abs(numeric))
                    if err > worst { worst = err; at = j }
                }
                XCTAssertLessThan(worst, 1e-2, "\(c.name) input \(i): finite differences disagree at element \(at)")
            }
        }
    }

    /// GELU's tanh form: its derivative against central differences of the formula in Double.
    func testGeluTanhGradientMatchesFiniteDifferences() throws {
        func gelu(_ x: Double) -> Double {
            0.5 * x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
        }
        let values: [Float] = [-6, -3, -1.5, -0.7, -0.1, 0, 0.05, 0.4, 1, 2.5, 5]
        let x = Variable(Tensor(values), requiresGrad: true)
        try x.geluTanh().sum().backward()
        for (v, g) in zip(values, x.grad!.scalars) {
            let h = 1e-5, numeric = (gelu(Double(v) + h) - gelu(Double(v) - h)) / (2 * h)
            XCTAssertEqual(Double(g), numeric, accuracy: 1e-5, "d/dx geluTanh at \(v)")
        }
    }

    func testDropoutKeepsExpectationAndMasksGradient() throws {
        var rng = RandomGenerator(seed: 3)
        let x = Variable(Tensor.ones([100, 100]), requiresGrad: true)
        let y = try x.dropout(0.3, using: &rng)
        let kept = y.value.scalars.filter { $0 != 0 }
        XCTAssertEqual(Float(kept.count) / 10_000, 0.7, accuracy: 0.02)
        XCTAssertTrue(kept.allSatisfy { abs($0 - 1 / 0.7) < 1e-5 })
        try y.sum().backward()
        XCTAssertEqual(x.grad!.scalars, y.value.scalars, "the gradient is the same mask")
    }

    func testNoGradRecordsNothing() throws {
        let x = Variable(Tensor.ones([3]), requiresGrad: true)
        let y = try withNoGrad { try (x * x).sum() }
        XCTAssertFalse(y.requiresGrad)
        try y.backward()
        XCTAssertNil(x.grad)
    }

    func testGradientAccumulatesThroughSharedNodes() throws {
        // f(x) = x·x + x  →  f'(x) = 2x + 1
        let g = try gradient(at: [Tensor([2, -1])]) { v in try (v[0] * v[0] + v[0]).sum() }
        XCTAssertEqual(g[0].scalars, [5, -1])
    }
}
