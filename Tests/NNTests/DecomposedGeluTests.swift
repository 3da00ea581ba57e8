import Foundation
import PruneAutodiff
@testable import PruneNN
import PruneTensor
import XCTest

/// A GELU written out as Div √2, Erf, Add 1, Mul x, Mul 0.5 runs as one kernel at inference
/// (``DecomposedGelu``) when its constants are those; other constants run node by node.
final class DecomposedGeluTests: XCTestCase {
    func graph(root2: Float = Float(2).squareRoot(), half: Float = 0.5) -> GraphModel {
        let node = FusedPatternRun.node
        let nodes = [node("a", BinaryOperator(.div), ["x", "r"]), node("b", UnaryOperator(.erf), ["a"]),
                     node("c", BinaryOperator(.add), ["b", "one"]), node("d", BinaryOperator(.mul), ["x", "c"]),
                     node("e", BinaryOperator(.mul), ["d", "half"])]
        let constants: [String: GraphValue] = ["r": .float(Variable(Tensor([root2]))),
                                               "one": .float(Variable(Tensor([1]))),
                                               "half": .float(Variable(Tensor([half])))]
        return GraphModel(nodes: nodes, inputs: [("x", [nil], false)], outputNames: ["e"], constants: constants,
                          layers: ModuleDictionary())
    }

    func testTheChainRunsAsOneKernelWithGelusValues() throws {
        var rng = RandomGenerator(seed: 7)
        let x = Tensor.normal([300], mean: 0, std: 3, using: &rng)
        let (fused, reported, plain) = try FusedPatternRun.outputs(graph(), x)
        XCTAssertEqual(reported, 1)
        for (i, v) in x.scalars.enumerated() {
            let expected = 0.5 * Double(v) * (1 + Foundation.erf(Double(v) / 2.0.squareRoot()))
            XCTAssertEqual(Double(fused.scalars[i]), expected, accuracy: 1e-6 * max(1, abs(expected)))
            XCTAssertEqual(fused.scalars[i], plain.scalars[i], accuracy: 1e-6 * max(1, abs(plain.scalars[i])))
        }
    }

    func testOtherConstantsRunNodeByNode() throws {
        let x = Tensor([-2, -0.5, 0, 0.5, 2])
        for g in [graph(root2: 2), graph(half: 0.25)] {
            let (fused, reported, plain) = try FusedPatternRun.outputs(g, x)
            XCTAssertEqual(reported, 5)
            XCTAssertEqual(fused.scalars, plain.scalars)
        }
    }
}
