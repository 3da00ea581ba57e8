import PruneAutodiff
@testable import PruneNN
import PruneTensor
import XCTest

/// What a graph computes from shapes is remembered between inference runs (``GraphRunMemo``): a node
/// derived from Shape nodes and constants runs again only when a Shape's output or a constant changed,
/// never under gradients or an observer, and a run that fails forgets everything.
final class GraphRunMemoTests: XCTestCase {
    /// Counts its runs; its output is its first input's values reversed, times the second input's.
    final class CountingOperator: GraphOperator, @unchecked Sendable {
        var runs = 0
        var channelFlow: ChannelFlow { .none }
        func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
            runs += 1
            let values = try input(inputs, 0, "values").integers("values").values
            let factor = try input(inputs, 1, "factor").integers("factor").values[0]
            return [.integer(IntegerTensor(values.reversed().map { $0 * factor }))]
        }
    }

    /// Fails on an input whose first value is negative; otherwise passes it through.
    struct CheckingOperator: GraphOperator {
        var channelFlow: ChannelFlow { .elementwise }
        func run(_ inputs: [GraphValue?]) throws -> [GraphValue] {
            let x = try input(inputs, 0, "x").variable("x")
            if x.value.scalars[0] < 0 { throw GraphError.invalidValue("a negative first value") }
            return [.float(x)]
        }
    }

    /// x → Shape → reversed·k (counted) → reversed·k (counted) → Reshape(x, that): x's shape again for k = ±1.
    func graph(_ first: CountingOperator, _ second: CountingOperator) -> GraphModel {
        let nodes = [
            GraphNode(name: "s", opType: "Shape", inputs: ["x"], outputs: ["s"], op: ShapeOperator()),
            GraphNode(name: "r", opType: "Count", inputs: ["s", "k"], outputs: ["r"], op: first),
            GraphNode(name: "t", opType: "Count", inputs: ["r", "k"], outputs: ["t"], op: second),
            GraphNode(name: "c", opType: "Check", inputs: ["x"], outputs: ["checked"], op: CheckingOperator()),
            GraphNode(name: "y", opType: "Reshape", inputs: ["checked", "t"], outputs: ["y"],
                      op: ReshapeOperator(allowZero: false))]
        return GraphModel(nodes: nodes, inputs: [("x", [nil, nil], false)], outputNames: ["y", "r"],
                          constants: ["k": .integer(IntegerTensor(scalar: 1))],
                          layers: ModuleDictionary())
    }

    func run(_ g: GraphModel, _ shape: [Int], first: Float = 1) throws -> (y: [Int], r: [Int]) {
        var values = (0..<shape.reduce(1, *)).map(Float.init)
        values[0] = first
        let out = try withNoGrad { try g.run(["x": .float(Variable(Tensor(unchecked: shape, values)))]) }
        return (try XCTUnwrap(out["y"]).shape, try XCTUnwrap(out["r"]).integers("r").values)
    }

    func testShapeComputationsRunOncePerInputShape() throws {
        let first = CountingOperator(), second = CountingOperator()
        let g = graph(first, second)
        XCTAssertEqual(try run(g, [2, 3]).r, [3, 2])
        XCTAssertEqual(try run(g, [2, 3]).y, [2, 3])
        XCTAssertEqual([first.runs, second.runs], [1, 1], "the same shape: both derived nodes reused")
        XCTAssertEqual(try run(g, [4, 5]).r, [5, 4])
        XCTAssertEqual([first.runs, second.runs], [2, 2], "a new shape: the chain runs again")
        XCTAssertEqual(try run(g, [2, 3]).y, [2, 3])
        XCTAssertEqual(try run(g, [2, 3]).r, [3, 2])
        XCTAssertEqual([first.runs, second.runs], [3, 3])
    }

    func testAChangedConstantOrAFailedRunStartsAfresh() throws {
        let first = CountingOperator(), second = CountingOperator()
        let g = graph(first, second)
        _ = try run(g, [2, 3])
        g.constants["k"] = .integer(IntegerTensor(scalar: -1))
        XCTAssertEqual(try run(g, [2, 3]).r, [-3, -2], "the new constant is read")
        XCTAssertEqual(first.runs, 2)
        XCTAssertThrowsError(try run(g, [2, 3], first: -1))
        XCTAssertEqual(first.runs, 2, "the failing node comes after the reused ones")
        XCTAssertEqual(try run(g, [2, 3]).r, [-3, -2])
        XCTAssertEqual(first.runs, 3, "the failed run's memo was dropped")
    }

    func testRunsWithGradientsOrAnObserverRunEveryNode() throws {
        let first = CountingOperator(), second = CountingOperator()
        let g = graph(first, second)
        let x = GraphValue.float(Variable(Tensor(unchecked: [2, 3], (0..<6).map(Float.init))))
        for _ in 0..<2 { _ = try GradMode.$isEnabled.withValue(true) { try g.run(["x": x]) } }
        XCTAssertEqual(first.runs, 2)
        for _ in 0..<2 { _ = try withNoGrad { try g.run(["x": x], observe: { _, _, _ in }) } }
        XCTAssertEqual(first.runs, 4)
    }

    func testRolesFollowShapesThroughConstantsOnly() throws {
        let g = graph(CountingOperator(), CountingOperator())
        let plan = GraphRunPlan(nodes: g.nodes, inputNames: ["x"], outputNames: ["y"], constants: g.constants)
        XCTAssertEqual(plan.memoRoles, [.root, .derived, .derived, .none, .none],
                       "Reshape reads x's values through the check: not derived")
    }
}
