/// An exact Connect-Four solver: the score of a position in the usual convention (0 a draw; for a
/// forced win 22 minus the winner's stone count at the end, negative for a forced loss).
///
/// Negamax over the bitboard with the techniques of Pascal Pons's "Solving Connect Four" tutorial
/// as switches, so each one's effect can be measured: alpha-beta pruning with the score window
/// narrowed by the best and worst scores still possible, centre-first move ordering, a
/// transposition table of upper bounds, and iterative deepening of null-window searches that
/// narrow the score interval (parts 4–8); then moves that hand the opponent an immediate win are
/// never explored, moves are ordered by the winning cells they create, and the table keeps lower
/// bounds too (parts 9, 10 and 12), and mirror images share table entries. A weak solve only asks
/// win, draw or loss: it searches the window [−1, 1] (by null-window tests with iterative deepening).
public final class ConnectFourSolver {
    /// The techniques in use.
    public struct Techniques: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let alphaBeta = Techniques(rawValue: 1)
        public static let moveOrder = Techniques(rawValue: 2)
        public static let transpositionTable = Techniques(rawValue: 4)
        public static let iterativeDeepening = Techniques(rawValue: 8)
        /// Never explore a move that lets the opponent win at once (Pons part 9).
        public static let nonLosingMoves = Techniques(rawValue: 16)
        /// Explore first the moves that leave the most winning cells (Pons part 10); needs `nonLosingMoves`.
        public static let threatOrder = Techniques(rawValue: 32)
        /// Keep lower bounds (from beta cut-offs) in the table too (Pons part 12); needs `nonLosingMoves`.
        public static let lowerBounds = Techniques(rawValue: 64)
        /// A position and its mirror image share one table entry (their scores are equal; as in Tromp's
        /// Fhourstones); needs `nonLosingMoves`.
        public static let mirrorSymmetry = Techniques(rawValue: 128)
        /// Pons's parts 4–8: the stack his published node counts for the four benchmark sets end with.
        public static let tutorialBasics: Techniques = [.alphaBeta, .moveOrder, .transpositionTable,
                                                        .iterativeDeepening]
        public static let all: Techniques = tutorialBasics.union([.nonLosingMoves, .threatOrder, .lowerBounds,
                                                                  .mirrorSymmetry])
    }

    public let techniques: Techniques
    public var budget: SearchBudget
    public internal(set) var nodes = 0
    public internal(set) var ttHits = 0
    var table: ConnectFourBoundTable?
    var limits = SolveLimits(budget: .unlimited, onProgress: nil)
    /// Called with the node count every 2^22 nodes of a search, so a long solve can show progress.
    public var onProgress: ((Int) -> Void)?

    static let minScore = -ConnectFour.cells / 2 + 3
    static let maxScore = (ConnectFour.cells + 1) / 2 - 3

    /// A solver; the transposition table takes about `tableMegabytes` (64 MB by default, as in the tutorial).
    public init(techniques: Techniques = .all, budget: SearchBudget = .unlimited, tableMegabytes: Int = 64) {
        self.techniques = techniques
        self.budget = budget
        if techniques.contains(.transpositionTable) { table = ConnectFourBoundTable(megabytes: tableMegabytes) }
    }

    /// Forgets the transposition table.
    public func reset() {
        table?.reset()
    }

    /// The exact score (or, with `weak`, only its sign: 1 win, 0 draw, −1 loss) of `position`.
    /// Counters accumulate in ``nodes`` and ``ttHits``; throws ``SearchAborted`` past the budget.
    public func solve(_ position: ConnectFour, weak: Bool = false) throws -> Int {
        nodes = 0; ttHits = 0
        limits = SolveLimits(budget: budget, onProgress: onProgress)
        var p = position
        if p.lastMoveWon { return p.evaluate() }
        if p.moves == ConnectFour.cells { return 0 }
        if (0..<ConnectFour.width).contains(where: { p.canPlay($0) && p.isWinningMove($0) }) {
            nodes = 1
            return weak ? 1 : (ConnectFour.cells + 1 - p.moves) / 2
        }
        var lo = -(ConnectFour.cells - p.moves) / 2, hi = (ConnectFour.cells + 1 - p.moves) / 2
        if weak { lo = -1; hi = 1 }
        guard techniques.contains(.alphaBeta) else {
            let v = try minimax(&p)
            return weak ? v.signum() : v
        }
        if !techniques.contains(.iterativeDeepening) {
            let v = try windowSearch(&p, alpha: lo, beta: hi)
            return weak ? v.signum() : v
        }
        // Narrow [lo, hi] by null-window tests, probing fast wins and losses first.
        while lo < hi {
            var med = lo + (hi - lo) / 2
            if med <= 0 && lo / 2 < med { med = lo / 2 } else if med >= 0 && hi / 2 > med { med = hi / 2 }
            let r = try windowSearch(&p, alpha: med, beta: med + 1)
            if r <= med { hi = r } else { lo = r }
        }
        return weak ? lo.signum() : lo
    }

    /// The score of `p` in the window [alpha, beta] (fail-hard) by the alpha-beta search the
    /// techniques ask for: Pons's parts 9–12 when `nonLosingMoves` is on, else parts 4–8.
    func windowSearch(_ p: inout ConnectFour, alpha: Int, beta: Int) throws -> Int {
        guard techniques.contains(.nonLosingMoves) else { return try negamax(&p, alpha: alpha, beta: beta) }
        if p.lastMoveWon { return p.evaluate() }
        let board = ConnectFourBitboard(p)
        if board.canWinNext {
            nodes += 1
            return (ConnectFour.cells + 1 - board.moves) / 2
        }
        // The search runs as a value type (no runtime exclusivity checks in the hot loop); the table
        // moves into it and back, so it is not copied.
        var search = ThreatSearch(techniques: techniques, table: table, nodes: nodes, ttHits: ttHits, limits: limits)
        table = nil
        defer {
            table = search.table
            nodes = search.nodes
            ttHits = search.ttHits
        }
        return try search.negamax(board, alpha: alpha, beta: beta)
    }

    /// The best column (0-based) and the position's score. The score s is solved first; then, centre
    /// first, each move is tested with one null-window search: no reply can score below −s, so the
    /// first whose reply scores at most −s is a best move.
    public func bestMove(_ position: ConnectFour) throws -> (column: Int, score: Int)? {
        var p = position
        guard !p.isTerminal else { return nil }
        let s = try solve(p)
        var total = nodes
        defer { nodes = total }
        for col in ConnectFour.centreFirst where p.canPlay(col) {
            if p.isWinningMove(col) {
                if s == (ConnectFour.cells + 1 - p.moves) / 2 { return (col, s) }
                continue
            }
            p.play(col)
            nodes = 0
            let r = try windowSearch(&p, alpha: -s, beta: -s + 1)
            total += nodes
            p.undo(col)
            if r <= -s { return (col, s) }
        }
        return nil
    }

    /// Plain negamax without pruning (the baseline).
    private func minimax(_ p: inout ConnectFour) throws -> Int {
        nodes += 1
        try limits.check(nodes)
        if p.moves == ConnectFour.cells { return 0 }
        for x in 0..<ConnectFour.width where p.canPlay(x) && p.isWinningMove(x) {
            return (ConnectFour.cells + 1 - p.moves) / 2
        }
        var best = -ConnectFour.cells
        let order = techniques.contains(.moveOrder) ? ConnectFour.centreFirst : Array(0..<ConnectFour.width)
        for x in order where p.canPlay(x) {
            p.play(x)
            defer { p.undo(x) }
            best = Swift.max(best, -(try minimax(&p)))
        }
        return best
    }

    /// Alpha-beta negamax (fail-hard in the window) with the score bounds of the position.
    private func negamax(_ p: inout ConnectFour, alpha alphaIn: Int, beta betaIn: Int) throws -> Int {
        nodes += 1
        try limits.check(nodes)
        var alpha = alphaIn, beta = betaIn
        if p.moves == ConnectFour.cells { return 0 }
        for x in 0..<ConnectFour.width where p.canPlay(x) && p.isWinningMove(x) {
            return (ConnectFour.cells + 1 - p.moves) / 2
        }
        var maxScore = (ConnectFour.cells - 1 - p.moves) / 2
        let key = p.hashKey
        if case .upper(let bound)? = table?.bound(key) {
            ttHits += 1
            maxScore = bound
        }
        if beta > maxScore {
            beta = maxScore
            if alpha >= beta { return beta }
        }
        let order = techniques.contains(.moveOrder) ? ConnectFour.centreFirst : Array(0..<ConnectFour.width)
        for x in order where p.canPlay(x) {
            p.play(x)
            let score: Int
            do {
                defer { p.undo(x) }
                score = -(try negamax(&p, alpha: -beta, beta: -alpha))
            }
            if score >= beta { return score }
            if score > alpha { alpha = score }
        }
        table?.storeUpper(key, alpha)
        return alpha
    }
}
