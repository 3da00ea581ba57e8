/// Solves every position of a file with one technique stack, no node budget and no filtering, and
/// checks every score: the measurement `prune bench search` prints beside Pons's published figures.
public enum ConnectFourBenchmark {
    /// Totals of one stack over one file.
    public struct Result: Sendable, Encodable {
        public let positions: Int
        public let wrongScores: Int
        public let meanNodes: Double
        public let meanSeconds: Double
    }

    /// Runs `stack` over every entry of `file` (the transposition table reset before each position,
    /// as in Pons's protocol); `progress` is called after each position with the count done.
    public static func run(_ stack: ConnectFourStack, on file: PositionFile,
                           progress: (Int) -> Void = { _ in }) throws -> Result {
        let solver = ConnectFourSolver(techniques: stack.techniques)
        var wrong = 0, nodes = 0.0, seconds = 0.0
        for (k, entry) in file.entries.enumerated() {
            solver.reset()
            let t0 = searchClock()
            let score = try solver.solve(entry.position)
            seconds += searchClock() - t0
            nodes += Double(solver.nodes)
            if score != entry.score { wrong += 1 }
            progress(k + 1)
        }
        let n = Double(file.entries.count)
        return Result(positions: file.entries.count, wrongScores: wrong, meanNodes: nodes / n, meanSeconds: seconds / n)
    }
}
