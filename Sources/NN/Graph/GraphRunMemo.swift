/// What a graph computes from its values' shapes alone, remembered between runs. Exported transformers
/// (a TorchScript export of BERT, GPT-2, Swin) compute every reshape target from `Shape` nodes through
/// chains of Gather, Unsqueeze, Concat, Cast and arithmetic on integers — a third to a half of their
/// nodes, which at batch 1 cost more than the products. Those chains see the same shapes run after run:
/// the ``GraphRunPlan`` marks each `Shape`/`Size` node a *root* (``GraphOperator/readsOnlyShapes``) and
/// each node whose inputs are all roots' descendants or constants *derived* (operators without a layer,
/// whose outputs follow from their inputs). A run still runs every root and compares its output with the
/// last run's; a derived node whose inputs are all unchanged takes its outputs from the last run instead
/// of running. Only runs without gradients and without an observer use it; a run that throws drops it.
final class GraphRunMemo {
    enum Role: Sendable { case none, root, derived }

    /// The version of the graph (``GraphRunPlan/generation``) it remembers runs of.
    let generation: Int
    private let roles: [Role]
    private let reads: [[Int]]
    private let writes: [[Int]]
    /// Per node: its outputs from the last run (nil before it has run).
    private var outputs: [[GraphValue]?]
    /// Per slot, this run: whether the value equals the last run's (constants always do).
    private var unchanged: [Bool]
    private let unchangedAtStart: [Bool]

    init(_ plan: GraphRunPlan) {
        generation = plan.generation; roles = plan.memoRoles; reads = plan.reads; writes = plan.writes
        outputs = .init(repeating: nil, count: plan.memoRoles.count)
        var start = [Bool](repeating: false, count: plan.slotCount)
        for (slot, _) in plan.constants { start[slot] = true }
        unchangedAtStart = start; unchanged = start
    }

    func beginRun() { unchanged = unchangedAtStart }

    /// Node `i`'s outputs from the last run, when it is derived and its inputs have not changed since.
    func reusableOutputs(_ i: Int) -> [GraphValue]? {
        guard roles[i] == .derived, let last = outputs[i],
              reads[i].allSatisfy({ $0 < 0 || unchanged[$0] }) else { return nil }
        for slot in writes[i] where slot >= 0 { unchanged[slot] = true }
        return last
    }

    /// Records node `i`'s freshly computed outputs: a root's count as unchanged when they equal the last run's.
    func record(_ i: Int, _ results: [GraphValue]) {
        guard roles[i] != .none else { return }
        let same = roles[i] == .root && outputs[i].map { Self.equal($0, results) } == true
        for slot in writes[i] where slot >= 0 { unchanged[slot] = same }
        outputs[i] = results
    }

    static func equal(_ a: [GraphValue], _ b: [GraphValue]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            switch (x, y) {
            case (.integer(let s), .integer(let t)): return s == t
            case (.float(let s), .float(let t)): return s.shape == t.shape && s.value.scalars == t.value.scalars
            default: return false
            }
        }
    }
}

extension GraphRunPlan {
    /// Each node's part in the ``GraphRunMemo``: roots read only shapes; a derived node has no layer, at least
    /// one input from a root or a derived node, and every other input a constant.
    static func memoRoles(nodes: [GraphNode], reads: [[Int]], writes: [[Int]], constantSlots: [Int],
                          slotCount: Int) -> [GraphRunMemo.Role] {
        enum Origin { case varying, constant, shapes }
        var origin = [Origin](repeating: .varying, count: slotCount)
        for s in constantSlots { origin[s] = .constant }
        return nodes.indices.map { i in
            let op = nodes[i].op
            let inputs = reads[i].filter { $0 >= 0 }.map { origin[$0] }
            let role: GraphRunMemo.Role
            if op.readsOnlyShapes, !inputs.isEmpty {
                role = .root
            } else if op.module == nil, inputs.contains(.shapes), !inputs.contains(.varying) {
                role = .derived
            } else {
                role = .none
            }
            for s in writes[i] where s >= 0 { origin[s] = role == .none ? .varying : .shapes }
            return role
        }
    }
}
