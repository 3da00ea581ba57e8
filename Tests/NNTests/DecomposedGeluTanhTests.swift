import Foundation
import PruneAutodiff
@testable import PruneNN
import PruneTensor
import XCTest

/// GELU's tanh form written out as TorchScript exports GPT-2's `gelu_new` (Mul 0.5, Pow 3, Mul 0.044715,
/// Add x, Mul √(2/π), Tanh, Add 1, Mul) runs as one kernel at inference (``DecomposedGeluTanh``) when its
/// constants are those, whichever of x's readers comes first; other constants run node by node.
final class DecomposedGeluTanhTests: XCTestCase {
    func graph(exponent: Float = 3, cubic: Float = 0.044715, powFirst: Bool = false) -> GraphModel {
        let node = FusedPatternRun.node
        let half = node("a", BinaryOperator(.mul), ["x", "half"]), pow = node("p", BinaryOperator(.pow), ["x", "three"])
        let rest = [node("q", BinaryOperator(.mul), ["p", "cubic"]), node("r", BinaryOperator(.add), ["x", "q"]),
                    node("s", BinaryOperator(.mul), ["r", "scale"]), node("t", UnaryOperator(.tanh), ["s"]),
                    node("u", BinaryOperator(.add), ["t", "one"]), node("y", BinaryOperator(.mul), ["a", "u"])]
        let scalars: [String: Float] = ["half": 0.5, "three": exponent, "cubic": cubic, "scale": 0.7978846, "one": 1]
        return GraphModel(nodes: (powFirst ? [pow, half] : [half, pow]) + rest, inputs: [("x", [nil], false)],
                          outputNames: ["y"], constants: scalars.mapValues { .float(Variable(Tensor([$0]))) },
                          layers: ModuleDictionary())
    }

    func testTheChainRunsAsOneKernelInEitherOrder() throws {
        var rng = RandomGenerator(seed: 8)
        let x = Tensor.normal([300], mean: 0, std: 3, using: &rng)
        for powFirst in [false, true] {
            let (fused, reported, plain) = try FusedPatternRun.outputs(graph(powFirst: powFirst), x)
            XCTAssertEqual(reported, 1, "pow first: \(powFirst)")
            for (i, v) in x.scalars.enumerated() {
                let d = Double(v), u = (2 / Double.pi).squareRoot() * (d + 0.044715 * d * d * d)
                let expected = 0.5 * d * (1 + Foundation.tanh(u))
                XCTAssertEqual(Double(fused.scalars[i]), expected, accuracy: 1e-6 * max(1, abs(expected)))
                XCTAssertEqual(fused.scalars[i], plain.scalars[i], accuracy: 1e-6 * max(1, abs(plain.scalars[i])))
            }
        }
    }

    func testOtherConstantsRunNodeByNode() throws {
        let x = Tensor([-2, -0.5, 0, 0.5, 2])
        for g in [graph(exponent: 2), graph(cubic: 0.05)] {
            let (fused, reported, plain) = try FusedPatternRun.outputs(g, x)
            XCTAssertEqual(reported, 8)
            XCTAssertEqual(fused.scalars, plain.scalars)
        }
    }
}
