import PruneAutodiff
import PruneNN
import PrunePruning
@testable import PrunePruningGraph
import PruneTensor
import XCTest

/// Reshape targets computed from tensor shapes (TorchScript's `nn.MultiheadAttention`): an entry read
/// from a channel extent is the same for every input and becomes a rewritable constant when the
/// channels go; an entry computed from a channel extent that lands elsewhere fixes those channels;
/// batch extents stay computed, so the pruned graph runs at any batch size.
final class ShapeEntryTests: XCTestCase {
    /// x [N, 6] → fc1 → h [N, 8] → Reshape(h, target(h)) → Flatten → fc2 → y [N, 3], where `target`
    /// builds the Reshape target from Shape(h) = [N, 8].
    private func model(target: (_ n: String, _ c: String) -> [GraphNode]) -> (GraphModel, Linear, Linear) {
        var rng = RandomGenerator(seed: 7)
        let fc1 = Linear(6, 8, rng: &rng), fc2 = Linear(8, 3, rng: &rng)
        let layers = ModuleDictionary()
        layers.set("fc1", fc1)
        layers.set("fc2", fc2)
        func node(_ name: String, _ inputs: [String], _ op: any GraphOperator) -> GraphNode {
            GraphNode(name: name, opType: "\(type(of: op))", inputs: inputs, outputs: [name], op: op)
        }
        let nodes = [node("h", ["x"], ModuleOperator(container: layers, name: "fc1")),
                     node("s", ["h"], ShapeOperator()),
                     node("n", ["s", "zero"], GatherOperator(axis: 0)),
                     node("c", ["s", "one"], GatherOperator(axis: 0))]
            + target("n", "c")
            + [node("r", ["h", "target"], ReshapeOperator(allowZero: false)),
               node("f", ["r"], FlattenOperator(axis: 1)),
               node("y", ["f"], ModuleOperator(container: layers, name: "fc2"))]
        let constants: [String: GraphValue] = [
            "zero": .integer(IntegerTensor(scalar: 0)), "one": .integer(IntegerTensor(scalar: 1)),
            "two": .integer(IntegerTensor(scalar: 2)), "axis0": .integer(IntegerTensor([0])),
            "pair": .integer(IntegerTensor([2]))]
        let graph = GraphModel(nodes: nodes, inputs: [("x", [nil, 6], false)], outputNames: ["y"],
                               constants: constants, layers: layers)
        return (graph, fc1, fc2)
    }

    private func node(_ name: String, _ inputs: [String], _ op: any GraphOperator) -> GraphNode {
        GraphNode(name: name, opType: "\(type(of: op))", inputs: inputs, outputs: [name], op: op)
    }

    /// `Concat(Unsqueeze(n), Unsqueeze(c / 2), [2])` or, with `headsFirst`, `Concat(Unsqueeze(n), [2],
    /// Unsqueeze(c / 2))`: [N, 4, 2] (4 heads of 2) or [N, 2, 4] (2 heads of 4).
    private func target(headsFirst: Bool) -> (String, String) -> [GraphNode] {
        { n, c in
            let pieces = headsFirst ? ["un", "pair", "uh"] : ["un", "uh", "pair"]
            return [self.node("half", [c, "two"], BinaryOperator(.div)),
                    self.node("un", [n, "axis0"], SqueezeOperator(unsqueeze: true)),
                    self.node("uh", ["half", "axis0"], SqueezeOperator(unsqueeze: true)),
                    self.node("target", pieces, ConcatOperator(axis: 0))]
        }
    }

    private func input(batch: Int) -> Tensor {
        Tensor(unchecked: [batch, 6], (0..<(batch * 6)).map { Float(($0 * 7) % 11) / 5 - 1 })
    }

    func testAComputedChannelEntryBecomesAConstantThatFollowsTheHeads() throws {
        let (graph, fc1, fc2) = model(target: target(headsFirst: false))
        let result = try StructuredPruner(criterion: MagnitudeImportance(norm: .l2), target: .channelRatio(0.5))
            .prune(graph, example: input(batch: 1))
        // The 4 heads of 2 rows are one group; half of them go, and the target's c / 2 follows as a constant.
        XCTAssertEqual(result.groups.map { "\($0.channelsBefore)→\($0.channelsAfter)" }, ["4→2"])
        XCTAssertEqual(fc1.weight.value.shape, [4, 6])
        XCTAssertEqual(fc2.weight.value.shape, [3, 4])
        // The batch entry is still read from the input: the graph runs at another batch size, and its
        // Reshape and Flatten are the identity on the layout, so y = fc2(fc1(x)).
        let x = input(batch: 3)
        let y = try withNoGrad { try graph.forward(Variable(x)) }.value
        let direct = try withNoGrad { try fc2.forward(fc1.forward(Variable(x))) }.value
        XCTAssertEqual(y.shape, [3, 3])
        XCTAssertEqual(y.scalars, direct.scalars)
    }

    func testAnEntryComputedFromTheChannelsElsewhereFixesThem() throws {
        // [N, 2, c / 2]: two heads whose size is computed from fc1's width; removing a head would make
        // c / 2 wrong, so the heads stay.
        let (graph, fc1, _) = model(target: target(headsFirst: true))
        let pruner = StructuredPruner(criterion: MagnitudeImportance(norm: .l2), target: .channelRatio(0.5))
        XCTAssertThrowsError(try pruner.prune(graph, example: input(batch: 1))) {
            XCTAssertTrue("\($0)".contains("no channels that can be removed"), "\($0)")
        }
        XCTAssertEqual(fc1.weight.value.shape, [8, 6])
        XCTAssertEqual(try withNoGrad { try graph.forward(Variable(input(batch: 3))) }.value.shape, [3, 3])
    }

    func testBroadcastSourceMatchesTheBroadcastingRule() {
        // Output [2, 3, 4] reading an operand of shape [3, 1]: entry (a, b, c) reads (b, 0).
        for i in 0..<24 {
            let b = (i / 4) % 3
            XCTAssertEqual(DependencyGraph.broadcastSource(i, outShape: [2, 3, 4], inShape: [3, 1]), b)
            XCTAssertEqual(DependencyGraph.broadcastSource(i, outShape: [2, 3, 4], inShape: []), 0)
            XCTAssertEqual(DependencyGraph.broadcastSource(i, outShape: [2, 3, 4], inShape: [2, 3, 4]), i)
            XCTAssertEqual(DependencyGraph.broadcastSource(i, outShape: [2, 3, 4], inShape: [1, 1, 4]), i % 4)
        }
    }
}
