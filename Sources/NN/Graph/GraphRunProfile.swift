import PruneAutodiff

/// Where a graph's inference time goes: the wall time of each node, summed per operator type and per node over
/// some runs without gradients (the time from one node's end to the next one's, so a node's share
/// includes reading its inputs from the run's table of values). Nodes fused into a layer (an activation
/// after a convolution) count in the layer's time.
public struct GraphRunProfile: Sendable {
    /// One operator type: its total seconds per run and how many nodes of it ran per run.
    public struct Entry: Sendable, Encodable {
        public let opType: String
        public let secondsPerRun: Double
        public let nodes: Int
    }

    /// One node: its name (or its first output's, for an unnamed node), operator type and seconds per run.
    public struct NodeEntry: Sendable, Encodable {
        public let name: String
        public let opType: String
        public let secondsPerRun: Double
    }

    /// Operator types, the slowest first.
    public let entries: [Entry]
    /// Nodes, the slowest first.
    public let nodes: [NodeEntry]
    /// The wall time of a whole run (the median of the runs).
    public let secondsPerRun: Double

    /// Runs `model` on `feeds` `runs` times (after one untimed run) and sums each operator type's time.
    public static func measure(_ model: GraphModel, feeds: [String: GraphValue], runs: Int) throws -> GraphRunProfile {
        _ = try withNoGrad { try model.run(feeds) }
        var totals: [String: Double] = [:], counts: [String: Int] = [:], wall: [Double] = []
        var perNode: [String: (opType: String, seconds: Double)] = [:]
        for _ in 0..<Swift.max(1, runs) {
            let start = monotonicSeconds()
            var last = start
            _ = try withNoGrad {
                try model.run(feeds, nodeFinished: { node in
                    let now = monotonicSeconds()
                    totals[node.opType, default: 0] += now - last
                    counts[node.opType, default: 0] += 1
                    let name = node.name.isEmpty ? (node.outputs.first ?? "") : node.name
                    perNode[name, default: (node.opType, 0)].seconds += now - last
                    last = now
                })
            }
            wall.append(monotonicSeconds() - start)
        }
        let n = Double(Swift.max(1, runs))
        let entries = totals.map { Entry(opType: $0.key, secondsPerRun: $0.value / n,
                                         nodes: (counts[$0.key] ?? 0) / Swift.max(1, runs)) }
            .sorted { $0.secondsPerRun > $1.secondsPerRun }
        let nodes = perNode.map {
            NodeEntry(name: $0.key, opType: $0.value.opType, secondsPerRun: $0.value.seconds / n)
        }
            .sorted { $0.secondsPerRun > $1.secondsPerRun }
        return GraphRunProfile(entries: entries, nodes: nodes, secondsPerRun: wall.sorted()[wall.count / 2])
    }
}
