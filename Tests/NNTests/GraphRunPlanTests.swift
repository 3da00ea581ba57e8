import PruneAutodiff
import PruneNN
import PruneTensor
import XCTest

/// Runs go through slots compiled from the node list (``GraphModel/run(_:observe:)``): the values, the
/// errors, and a new plan after the nodes or the constants change.
final class GraphRunPlanTests: XCTestCase {
    func graph() -> GraphModel {
        let nodes = [GraphNode(name: "a", opType: "Add", inputs: ["x", "c"], outputs: ["t"], op: BinaryOperator(.add)),
                     GraphNode(name: "m", opType: "Mul", inputs: ["t", "t"], outputs: ["u"], op: BinaryOperator(.mul)),
                     GraphNode(name: "s", opType: "Sub", inputs: ["u", "x"], outputs: ["y"], op: BinaryOperator(.sub))]
        return GraphModel(nodes: nodes, inputs: [("x", [2], false)], outputNames: ["y", "t"],
                          constants: ["c": .float(Variable(Tensor([1, 2])))], layers: ModuleDictionary())
    }

    func values(_ g: GraphModel, _ name: String, _ x: [Float]) throws -> [Float] {
        let out = try g.run(["x": .float(Variable(Tensor(x)))])
        return try XCTUnwrap(out[name]).variable(name).value.scalars
    }

    func testRunsFollowTheNodesAndTheConstantsAsTheyChange() throws {
        let g = graph()
        XCTAssertEqual(try values(g, "y", [3, 4]), [13, 32])   // (x + c)² − x
        XCTAssertEqual(try values(g, "t", [3, 4]), [4, 6], "an output read by later nodes is kept")
        g.constants["c"] = .float(Variable(Tensor([0, 0])))
        XCTAssertEqual(try values(g, "y", [3, 4]), [6, 12])
        g.nodes[2].op = BinaryOperator(.add)
        XCTAssertEqual(try values(g, "y", [3, 4]), [12, 20])
        g.nodes[0].inputs[1] = "d"
        XCTAssertThrowsError(try g.run(["x": .float(Variable(Tensor([3, 4])))]), "a value nobody computes")
        g.constants["d"] = .float(Variable(Tensor([1, 1])))
        XCTAssertEqual(try values(g, "y", [3, 4]), [19, 29])
        XCTAssertThrowsError(try g.run([:]), "a missing graph input")
    }
}
