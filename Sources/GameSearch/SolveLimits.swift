/// The node and time budget of one Connect-Four solve, checked at every node, and the progress call
/// a long solve makes every 2^22 nodes.
struct SolveLimits {
    let maxNodes: Int
    let deadline: Double
    let onProgress: ((Int) -> Void)?

    init(budget: SearchBudget, onProgress: ((Int) -> Void)?) {
        maxNodes = budget.maxNodes ?? Int.max
        deadline = budget.seconds.map { searchClock() + $0 } ?? .infinity
        self.onProgress = onProgress
    }

    /// Throws ``SearchAborted`` once `nodes` passes the budget or the clock passes the deadline.
    @inline(__always)
    func check(_ nodes: Int) throws {
        if nodes & 0x3F_FFFF == 0, let onProgress { onProgress(nodes) }
        if nodes > maxNodes || (deadline != .infinity && nodes & 4095 == 0 && searchClock() > deadline) {
            var s = SearchStatistics()
            s.nodes = nodes
            throw SearchAborted(statistics: s)
        }
    }
}
