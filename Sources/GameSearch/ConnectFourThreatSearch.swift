/// The alpha-beta negamax of Pons's "Solving Connect Four" parts 9–12 (fail-hard in [alpha, beta])
/// for positions whose side to move cannot win at once: only moves that do not hand the opponent an
/// immediate win are explored (so no child can win at once either), ordered by the winning cells
/// they leave when `threatOrder` is on, with lower bounds kept in the table when `lowerBounds` is on,
/// and one table entry for a position and its mirror image when `mirrorSymmetry` is on.
/// A value type, so the per-node counters and table updates run without runtime exclusivity checks.
struct ThreatSearch {
    var table: ConnectFourBoundTable?
    var nodes: Int
    var ttHits: Int
    let limits: SolveLimits
    let threatOrder: Bool
    let lowerBounds: Bool
    let mirrorSymmetry: Bool
    /// The bitboard of each column, centre first.
    let columns: InlineArray<7, UInt64>

    init(techniques: ConnectFourSolver.Techniques, table: ConnectFourBoundTable?, nodes: Int, ttHits: Int,
         limits: SolveLimits) {
        self.table = table
        self.nodes = nodes
        self.ttHits = ttHits
        self.limits = limits
        threatOrder = techniques.contains(.threatOrder)
        lowerBounds = techniques.contains(.lowerBounds)
        mirrorSymmetry = techniques.contains(.mirrorSymmetry)
        var columns = InlineArray<7, UInt64>(repeating: 0)
        for (i, col) in ConnectFour.centreFirst.enumerated() { columns[i] = ConnectFour.column(col) }
        self.columns = columns
    }

    mutating func negamax(_ board: ConnectFourBitboard, alpha alphaIn: Int, beta betaIn: Int) throws -> Int {
        nodes += 1
        try limits.check(nodes)
        let next = board.nonLosingMoves()
        if next == 0 { return -(ConnectFour.cells - board.moves) / 2 }
        if board.moves >= ConnectFour.cells - 2 { return 0 }
        var window = ScoreWindow(alpha: alphaIn, beta: betaIn)
        let key = mirrorSymmetry ? board.symmetricKey : board.key
        if let settled = window.narrow(board: board, bound: table?.bound(key), counting: &ttHits) {
            return settled
        }
        var moves = orderedMoves(next, on: board)
        while let move = moves.next() {
            var child = board
            child.play(move)
            let score = -(try negamax(child, alpha: -window.beta, beta: -window.alpha))
            if score >= window.beta {
                if lowerBounds { table?.storeLower(key, score) }
                return score
            }
            if score > window.alpha { window.alpha = score }
        }
        table?.storeUpper(key, window.alpha)
        return window.alpha
    }

    /// The moves of the bitmap `next`, centre first, or by the winning cells each leaves (ties centre first).
    private func orderedMoves(_ next: UInt64, on board: ConnectFourBitboard) -> ConnectFourMoveList {
        var list = ConnectFourMoveList()
        for i in stride(from: columns.count - 1, through: 0, by: -1) {
            let move = next & columns[i]
            guard move != 0 else { continue }
            list.add(move, score: threatOrder ? board.winningCellCount(after: move) : 0)
        }
        return list
    }
}

/// An alpha-beta window narrowed by what is known of a position's score before its moves are searched.
struct ScoreWindow {
    var alpha: Int
    var beta: Int

    /// Raises alpha to the worst score still possible and to a stored lower bound, lowers beta to the
    /// best still possible and to a stored upper bound; returns the score when the window closes.
    mutating func narrow(board: ConnectFourBitboard, bound: ConnectFourBoundTable.Bound?,
                         counting hits: inout Int) -> Int? {
        if let done = raise(to: -(ConnectFour.cells - 2 - board.moves) / 2) { return done }
        if let done = lower(to: (ConnectFour.cells - 1 - board.moves) / 2) { return done }
        guard let bound else { return nil }
        hits += 1
        switch bound {
        case .lower(let value): return raise(to: value)
        case .upper(let value): return lower(to: value)
        }
    }

    private mutating func raise(to lowest: Int) -> Int? {
        guard alpha < lowest else { return nil }
        alpha = lowest
        return alpha >= beta ? alpha : nil
    }

    private mutating func lower(to highest: Int) -> Int? {
        guard beta > highest else { return nil }
        beta = highest
        return alpha >= beta ? beta : nil
    }
}
