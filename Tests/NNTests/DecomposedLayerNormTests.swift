import PruneAutodiff
@testable import PruneNN
import PruneTensor
import XCTest

/// A LayerNorm written out as nine nodes runs as one kernel at inference (``DecomposedLayerNorm``) when the
/// chain has exactly that form; anything else runs node by node with the same values.
final class DecomposedLayerNormTests: XCTestCase {
    let n = 24, rows = 5

    /// x → mean → x − mean → (·)^power → mean → + ε → √ → ÷ → · γ → + β, the last value the output.
    func graph(power: Float = 2, axes: [Int] = [-1], gamma: [Int]? = nil, affine: Bool = true,
               exposed: String? = nil) -> GraphModel {
        func node(_ name: String, _ op: any GraphOperator, _ inputs: [String]) -> GraphNode {
            GraphNode(name: name, opType: name, inputs: inputs, outputs: [name], op: op)
        }
        var nodes = [node("m", ReduceOperator(.mean, axesAttribute: axes, keepDims: true), ["x"]),
                     node("d", BinaryOperator(.sub), ["x", "m"]), node("p", BinaryOperator(.pow), ["d", "two"]),
                     node("v", ReduceOperator(.mean, axesAttribute: axes, keepDims: true), ["p"]),
                     node("e", BinaryOperator(.add), ["eps", "v"]), node("s", UnaryOperator(.sqrt), ["e"]),
                     node("q", BinaryOperator(.div), ["d", "s"])]
        if affine {
            nodes += [node("y", BinaryOperator(.mul), ["q", "g"]), node("z", BinaryOperator(.add), ["y", "b"])]
        }
        var rng = RandomGenerator(seed: 3)
        let g = Tensor.normal(gamma ?? [n], using: &rng), b = Tensor.normal([n], using: &rng)
        let constants: [String: GraphValue] = [
            "two": .float(Variable(Tensor([power]))), "eps": .float(Variable(Tensor([1e-5]))),
            "g": .float(Variable(g)), "b": .float(Variable(b))]
        return GraphModel(nodes: nodes, inputs: [("x", [nil, n], false)],
                          outputNames: [affine ? "z" : "q"] + (exposed.map { [$0] } ?? []),
                          constants: constants, layers: ModuleDictionary())
    }

    func input() -> Tensor {
        var rng = RandomGenerator(seed: 9)
        return Tensor.normal([rows, n], mean: 2, std: 3, using: &rng)
    }

    /// The output at inference, how many nodes reported, and the output of a node-by-node run.
    func outputs(_ g: GraphModel) throws -> (fused: Tensor, reported: Int, plain: Tensor) {
        g.eval()
        let feeds: [String: GraphValue] = ["x": .float(Variable(input()))]
        var reported = 0
        let fused = try withNoGrad { try g.firstOutput(of: try g.run(feeds, nodeFinished: { _ in reported += 1 })) }
        let plain = try withNoGrad { try g.firstOutput(of: try g.run(feeds, observe: { _, _, _ in })) }
        return (fused.value, reported, plain.value)
    }

    func testTheChainRunsAsOneKernelWithTheDefinitionsValues() throws {
        for affine in [true, false] {
            let g = graph(affine: affine)
            let (fused, reported, plain) = try outputs(g)
            XCTAssertEqual(reported, 1, "the nine nodes ran as one")
            guard case .float(let gamma)? = g.constants["g"], case .float(let beta)? = g.constants["b"] else {
                return XCTFail("constants")
            }
            let reference = LayerNormReference.rows(input(), n: n, gamma: affine ? gamma.value : nil,
                                                    beta: affine ? beta.value : nil)
            XCTAssertEqual(reference.count, rows * n)
            for (k, expected) in reference.enumerated() {
                XCTAssertEqual(Double(fused.scalars[k]), expected, accuracy: 1e-5 * max(1, abs(expected)))
                XCTAssertEqual(fused.scalars[k], plain.scalars[k], accuracy: 1e-5 * max(1, abs(plain.scalars[k])))
            }
        }
    }

    func testOtherChainsRunNodeByNode() throws {
        let cases: [(String, GraphModel)] = [
            ("the exponent 3", graph(power: 3)), ("the mean over the first axis", graph(axes: [0])),
            ("γ with a value per element", graph(gamma: [rows, n])), ("x − mean a graph output", graph(exposed: "d"))]
        for (what, g) in cases {
            let (fused, reported, plain) = try outputs(g)
            XCTAssertEqual(reported, 9, what)
            XCTAssertEqual(fused.scalars.map(\.bitPattern), plain.scalars.map(\.bitPattern), what)
        }
        let plan = { (g: GraphModel) in
            GraphRunPlan(nodes: g.nodes, inputNames: ["x"], outputNames: g.outputNames, constants: g.constants)
        }
        XCTAssertTrue(plan(graph(power: 3)).patterns[0] is DecomposedLayerNorm,
                      "the exponent is checked when the values are there")
        XCTAssertNil(plan(graph(exposed: "d")).patterns[0], "an intermediate value others read is no chain")
    }
}
