import PruneAutodiff
import PruneTensor

/// How a graph's inference run at one set of input shapes may be cut into runs over parts of the batch,
/// one per core, each on its own thread from its first node to its last (no hand-over between the
/// cores at every node, no split of small products): which values carry the examples on their first axis,
/// found by running the whole batch once node by node (``ExampleSplitTrace``).
struct ExampleSplit {
    /// Per slot of the run plan: how many rows of the value's first axis each example fills (1: the examples
    /// are its first axis; k: a layout merged them with the next axes; 0: it carries no examples).
    let rows: [Int]
    /// The layer nodes the examples pass through, with their input's rank and the layer they ran: asked again
    /// before every split run, since a layer's mode (a BatchNorm set training) or the layer itself can change.
    let layerNodes: [(node: Int, rank: Int, layer: ObjectIdentifier?)]
    /// The graph's parameters when it was traced: their masked values are checked once (lazily, see
    /// ``Parameter/effectiveValue``) before the parts read them at once.
    let parameters: [Parameter]
    /// The traced inputs' shapes when a layout merged the examples with other axes: those rows per example
    /// (a sequence's length, say) hold for these shapes only.
    let inputShapes: [[Int]]?

    /// Whether every layer is the one traced and still keeps examples apart.
    func holds(for nodes: [GraphNode]) -> Bool {
        layerNodes.allSatisfy { node, rank, layer in
            guard node < nodes.count, let op = nodes[node].op as? ModuleOperator else { return false }
            return op.module.map(ObjectIdentifier.init) == layer && op.keepsExamplesApart(inputRank: rank)
        }
    }

    /// Throws unless every value a node wrote that carries examples has the rows of `count` of them (a part of
    /// the batch meeting a shape fixed to the whole batch, say a Reshape to a constant shape).
    static func check(_ results: [GraphValue], slots: [Int], count: Int, rows: [Int]) throws {
        for (slot, v) in zip(slots, results) where slot >= 0 && rows[slot] > 0 && v.shape.first != count * rows[slot] {
            throw GraphError.invalidValue("a part of the batch gave a value of shape \(v.shape)")
        }
    }
}

/// Follows a whole-batch run node by node (``GraphModel/run(_:observe:)``) and decides whether its examples
/// stay apart: every node reading a value with examples must keep them apart and say how many rows of its
/// outputs each example fills (``GraphOperator/exampleRows(_:rows:examples:results:)``), and every graph
/// output must carry them.
final class ExampleSplitTrace {
    private let plan: GraphRunPlan
    private let examples: Int
    private var rows: [Int]
    private var layerNodes: [(node: Int, rank: Int, layer: ObjectIdentifier?)] = []
    private var node = 0
    private var refused = false
    private let parameters: [Parameter]
    private let inputShapes: [[Int]]

    init(plan: GraphRunPlan, batchedInputs: [Int], examples: Int, parameters: [Parameter], inputShapes: [[Int]]) {
        self.plan = plan; self.examples = examples; self.parameters = parameters; self.inputShapes = inputShapes
        rows = .init(repeating: 0, count: plan.slotCount)
        for slot in batchedInputs { rows[slot] = 1 }
    }

    func observe(_ n: GraphNode, _ args: [GraphValue?], _ results: [GraphValue]) {
        let i = node
        node += 1
        let reads = plan.reads[i].map { $0 >= 0 ? rows[$0] : 0 }
        guard !refused, reads.contains(where: { $0 > 0 }) else { return }
        guard let written = n.op.exampleRows(args, rows: reads, examples: examples, results: results) else {
            refused = true; return
        }
        if let op = n.op as? ModuleOperator {
            layerNodes.append((i, args.first??.shape.count ?? 0, op.module.map(ObjectIdentifier.init)))
        }
        for (slot, k) in zip(plan.writes[i], written) where slot >= 0 { rows[slot] = k }
    }

    /// The split, or nil when the run showed the examples do not stay apart.
    var split: ExampleSplit? {
        guard !refused, node == plan.reads.count, plan.outputs.allSatisfy({ rows[$0] > 0 }) else { return nil }
        return ExampleSplit(rows: rows, layerNodes: layerNodes, parameters: parameters,
                            inputShapes: rows.contains { $0 > 1 } ? inputShapes : nil)
    }
}
