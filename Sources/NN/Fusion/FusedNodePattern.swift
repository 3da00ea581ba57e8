/// A chain of nodes that an exporter wrote for one operation (a LayerNorm or a GELU before ONNX had them),
/// run at inference as the one kernel it stands for. A new pattern is one type conforming to this and
/// listed in ``GraphRunPlan/patternTypes``; the plan finds each at its first node, and
/// ``GraphModel/run(_:)`` runs it there (when ``GraphModel/fusesEpilogues`` is on, without gradients or an
/// observer), skipping the nodes it absorbs. The chain's values must not be read from outside it.
protocol FusedNodePattern {
    /// The pattern whose first node is `head`, when the graph has it there.
    static func match(head: Int, in graph: PatternGraph) -> Self?
    /// The chain's nodes after the first, which run inside it.
    var absorbed: [Int] { get }
    /// The slot of the chain's last value, the one later nodes read.
    var output: Int { get }
    /// That value, or nil when the run's values do not fit the kernel (the nodes then run one by one).
    func run(_ slots: [GraphValue?]) throws -> GraphValue?
}

/// The node list as patterns read it: who reads each value, which values are constants or graph outputs.
struct PatternGraph {
    let nodes: [GraphNode]
    let reads: [[Int]], writes: [[Int]], readers: [[Int]]
    let constants: Set<Int>, outputs: Set<Int>

    init(nodes: [GraphNode], reads: [[Int]], writes: [[Int]], constants: Set<Int>, outputs: Set<Int>,
         slotCount: Int) {
        var readers = [[Int]](repeating: [], count: slotCount)
        for (i, r) in reads.enumerated() { for s in Set(r) where s >= 0 { readers[s].append(i) } }
        self.nodes = nodes; self.reads = reads; self.writes = writes; self.readers = readers
        self.constants = constants; self.outputs = outputs
    }

    /// The node's single output, when it is not a graph output (the chain's last value may be one).
    func value(_ node: Int, last: Bool = false) -> Int? {
        guard writes[node].count == 1, writes[node][0] >= 0, last || !outputs.contains(writes[node][0]) else {
            return nil
        }
        return writes[node][0]
    }

    /// The only node reading `slot`, when no graph output does.
    func only(_ slot: Int) -> Int? {
        readers[slot].count == 1 && !outputs.contains(slot) ? readers[slot][0] : nil
    }

    /// A two-input node's other operand when it is a constant.
    func constant(_ node: Int, besides slot: Int) -> Int? {
        guard reads[node].count == 2, reads[node].contains(slot), let other = reads[node].first(where: { $0 != slot }),
              constants.contains(other) else { return nil }
        return other
    }

    func isUnary(_ i: Int, _ f: UnaryOperator.Function) -> Bool { (nodes[i].op as? UnaryOperator)?.function == f }

    func isBinary(_ i: Int, _ f: BinaryOperator.Function) -> Bool {
        guard let op = nodes[i].op as? BinaryOperator else { return false }
        switch (op.function, f) {
        case (.add, .add), (.sub, .sub), (.mul, .mul), (.div, .div), (.pow, .pow): return true
        default: return false
        }
    }

    /// A float constant's only value, when it has one.
    static func scalar(_ slot: Int, in slots: [GraphValue?]) -> Float? {
        guard case .float(let v)? = slots[slot], v.value.count == 1 else { return nil }
        return v.value.scalars[0]
    }
}

extension GraphRunPlan {
    /// The patterns inference looks for, in the order they are tried at each node (computed: a stored
    /// array of metatypes is not `Sendable` global state).
    static var patternTypes: [any FusedNodePattern.Type] {
        [DecomposedLayerNorm.self, DecomposedGelu.self, DecomposedGeluTanh.self]
    }

    /// Per node: the pattern whose first node it is.
    static func patterns(in graph: PatternGraph) -> [(any FusedNodePattern)?] {
        var taken = Set<Int>()
        let types = patternTypes
        return graph.nodes.indices.map { head -> (any FusedNodePattern)? in
            guard !taken.contains(head) else { return nil }
            for type in types {
                if let found = type.match(head: head, in: graph), taken.isDisjoint(with: found.absorbed) {
                    taken.formUnion(found.absorbed)
                    return found
                }
            }
            return nil
        }
    }
}
