/// Which nodes may run fused into the layer before them at inference (``EpilogueFusingLayer``): after a
/// node whose operator is a ``ModuleOperator``, the chain of ``EpilogueOperator`` nodes each reading the
/// previous one's output as its only reader, that output not a graph output, and every other input of
/// theirs ready before the chain's first node runs (a constant, a graph input or an earlier node's output).
extension GraphRunPlan {
    /// One node's epilogue candidates: the node indices in order and, for each, which of its inputs is
    /// the chain's value.
    struct EpilogueChain: Sendable {
        var nodes: [Int] = []
        var chainInputs: [Int] = []
    }

    static func epilogueChains(nodes: [GraphNode], reads: [[Int]], writes: [[Int]], slotCount: Int,
                               outputs: Set<Int>) -> [EpilogueChain] {
        var readers = [[Int]](repeating: [], count: slotCount)
        var producer = [Int](repeating: -1, count: slotCount)
        for (i, r) in reads.enumerated() { for s in r where s >= 0 { readers[s].append(i) } }
        for (i, w) in writes.enumerated() { for s in w where s >= 0 { producer[s] = i } }
        return nodes.indices.map { head in
            var chain = EpilogueChain()
            guard nodes[head].op is ModuleOperator, writes[head].count == 1 else { return chain }
            var value = writes[head][0]
            while value >= 0, !outputs.contains(value), readers[value].count == 1 {
                let next = readers[value][0]
                guard nodes[next].op is any EpilogueOperator, writes[next].filter({ $0 >= 0 }).count == 1,
                      let input = reads[next].firstIndex(of: value),
                      reads[next].enumerated().allSatisfy({ k, s in
                          k == input || s < 0 || producer[s] < head
                      }) else { break }
                chain.nodes.append(next)
                chain.chainInputs.append(input)
                value = writes[next].first { $0 >= 0 } ?? -1
            }
            return chain
        }
    }
}
