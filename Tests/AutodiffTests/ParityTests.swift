import XCTest
import PruneTensor
import PruneAutodiff

/// Every op's forward output and gradients equal real PyTorch's on the committed fixture, to 1e-4.
final class ParityTests: XCTestCase {
    func testEveryCaseHasASwiftImplementation() throws {
        let fixture = try OpFixture.load()
        XCTAssertGreaterThanOrEqual(fixture.cases.count, 59)
        for c in fixture.cases { XCTAssertNotNil(OpCases.all[c.name], "no Swift op for fixture case \(c.name)") }
        XCTAssertEqual(Set(fixture.cases.map(\.name)), Set(OpCases.all.keys), "fixture and Swift cases differ")
    }

    func testForwardAndGradientsMatchPyTorch() throws {
        let fixture = try OpFixture.load()
        for c in fixture.cases {
            guard let op = OpCases.all[c.name] else { continue }
            let vars = c.inputs.enumerated().map { Variable($0.element, requiresGrad: c.differentiable.contains($0.offset)) }
            let out = try op(vars)
            if let m = worstMismatch(out.value, c.output, tolerance: 1e-4) { XCTFail("\(c.name) forward: \(m)") }
            try out.backward(c.upstream)
            for (i, expected) in c.grads {
                let got = vars[i].grad ?? Tensor.zeros(expected.shape)
                if let m = worstMismatch(got, expected, tolerance: 1e-4) { XCTFail("\(c.name) gradient of input \(i): \(m)") }
            }
        }
    }
}
