/// A graph's node list compiled to numbered slots, so that a run looks values up by index instead of
/// hashing their names at every node: each value name gets a slot, each node the slots it reads and
/// writes, and the slots whose last reader it is (freed after it runs unless they are graph outputs or
/// constants). Built once per node list and set of constants (``GraphModel`` rebuilds it when either
/// changes).
struct GraphRunPlan {
    let slotCount: Int
    /// Per node: the slot of each input (−1 for an omitted optional input) and of each output.
    let reads: [[Int]]
    let writes: [[Int]]
    /// Per node: the slots to free once it has run.
    let frees: [[Int]]
    /// The constants' slots and names, the graph inputs' slots, the graph outputs' slots.
    let constants: [(slot: Int, name: String)]
    let inputs: [Int]
    let outputs: [Int]
    /// Every slot's name (for error messages).
    let names: [String]
    /// The table of values a run starts from: the constants in their slots (a run copies it instead of
    /// looking every constant up by name).
    let initialSlots: [GraphValue?]
    /// Per node: its part in remembering shape computations between runs (``GraphRunMemo``).
    let memoRoles: [GraphRunMemo.Role]
    /// Whether any node reads only shapes (a graph without Shape nodes needs no memo).
    let remembersShapes: Bool
    /// Which version of the graph it was built for (``GraphModel`` counts its changes).
    var generation = 0
    /// Per node: the nodes that may run fused into it at inference (see ``epilogueChains``).
    let epilogues: [EpilogueChain]
    /// Per node: the chain of nodes it begins that inference runs as one kernel (``FusedNodePattern``).
    let patterns: [(any FusedNodePattern)?]

    init(nodes: [GraphNode], inputNames: [String], outputNames: [String], constants: [String: GraphValue]) {
        var slotOf: [String: Int] = [:], names: [String] = []
        func slot(_ name: String) -> Int {
            if let s = slotOf[name] { return s }
            slotOf[name] = names.count
            names.append(name)
            return names.count - 1
        }
        let constantSlots = constants.keys.map { (slot: slot($0), name: $0) }
        let inputSlots = inputNames.map(slot)
        let reads = nodes.map { $0.inputs.map { $0.isEmpty ? -1 : slot($0) } }
        let writes = nodes.map { $0.outputs.map { $0.isEmpty ? -1 : slot($0) } }
        let outputSlots = outputNames.map(slot)
        var lastRead = [Int](repeating: -1, count: names.count)
        for (i, r) in reads.enumerated() { for s in r where s >= 0 { lastRead[s] = i } }
        let kept = Set(outputSlots).union(constantSlots.map(\.slot))
        var frees = [[Int]](repeating: [], count: nodes.count)
        for (s, i) in lastRead.enumerated() where i >= 0 && !kept.contains(s) { frees[i].append(s) }
        self.slotCount = names.count; self.reads = reads; self.writes = writes; self.frees = frees
        self.constants = constantSlots; self.inputs = inputSlots; self.outputs = outputSlots; self.names = names
        var initial = [GraphValue?](repeating: nil, count: names.count)
        for (s, name) in constantSlots { initial[s] = constants[name] }
        initialSlots = initial
        memoRoles = Self.memoRoles(nodes: nodes, reads: reads, writes: writes, constantSlots: constantSlots.map(\.slot),
                                   slotCount: names.count)
        remembersShapes = memoRoles.contains(.root)
        patterns = Self.patterns(in: PatternGraph(nodes: nodes, reads: reads, writes: writes,
                                                  constants: Set(constantSlots.map(\.slot)), outputs: Set(outputSlots),
                                                  slotCount: names.count))
        epilogues = Self.epilogueChains(nodes: nodes, reads: reads, writes: writes, slotCount: names.count,
                                        outputs: Set(outputSlots))
    }
}
