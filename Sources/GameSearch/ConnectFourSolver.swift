/// An exact Connect-Four solver: the score of a position in the usual convention (0 a draw; for a
/// forced win 22 minus the winner's stone count at the end, negative for a forced loss).
///
/// Negamax over the bitboard with the techniques of Pascal Pons's "Solving Connect Four" tutorial
/// as switches, so each one's effect can be measured: alpha-beta pruning with the score window
/// narrowed by the best and worst scores still possible, centre-first move ordering, a
/// transposition table of upper bounds, and iterative deepening of null-window searches that
/// narrow the score interval. A weak solve only asks win, draw or loss: with iterative deepening
/// it runs the same narrowing tests and stops once the sign is known; without, it searches the
/// window [−1, 1].
public final class ConnectFourSolver {
    /// The techniques in use.
    public struct Techniques: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let alphaBeta = Techniques(rawValue: 1)
        public static let moveOrder = Techniques(rawValue: 2)
        public static let transpositionTable = Techniques(rawValue: 4)
        public static let iterativeDeepening = Techniques(rawValue: 8)
        public static let all: Techniques = [.alphaBeta, .moveOrder, .transpositionTable, .iterativeDeepening]
    }

    public let techniques: Techniques
    public var budget: SearchBudget
    public private(set) var nodes = 0
    public private(set) var ttHits = 0
    private var keys: [UInt64] = []
    private var values: [Int8] = []
    private var deadline = Double.infinity
    /// Called with the node count every 2^22 nodes of a search, so a long solve can show progress.
    public var onProgress: ((Int) -> Void)?

    static let minScore = -ConnectFour.cells / 2 + 3
    static let maxScore = (ConnectFour.cells + 1) / 2 - 3

    /// A solver; the transposition table takes about `tableMegabytes` (64 MB by default, as in the tutorial).
    public init(techniques: Techniques = .all, budget: SearchBudget = .unlimited, tableMegabytes: Int = 64) {
        self.techniques = techniques
        self.budget = budget
        if techniques.contains(.transpositionTable) {
            let n = Self.prime(atLeast: Swift.max(1024, tableMegabytes << 20) / 9)
            keys = Array(repeating: 0, count: n)
            values = Array(repeating: 0, count: n)
        }
    }

    static func prime(atLeast n: Int) -> Int {
        var p = n | 1
        func isPrime(_ x: Int) -> Bool {
            if x < 2 { return false }
            var d = 3
            while d * d <= x { if x % d == 0 { return false }; d += 2 }
            return true
        }
        while !isPrime(p) { p += 2 }
        return p
    }

    /// Forgets the transposition table.
    public func reset() {
        for i in keys.indices { keys[i] = 0 }
    }

    /// The exact score (or, with `weak`, only its sign: 1 win, 0 draw, −1 loss) of `position`.
    /// Counters accumulate in ``nodes`` and ``ttHits``; throws ``SearchAborted`` past the budget.
    public func solve(_ position: ConnectFour, weak: Bool = false) throws -> Int {
        nodes = 0; ttHits = 0
        deadline = budget.seconds.map { searchClock() + $0 } ?? .infinity
        var p = position
        if p.lastMoveWon { return p.evaluate() }
        if p.moves == ConnectFour.cells { return 0 }
        if (0..<ConnectFour.width).contains(where: { p.canPlay($0) && p.isWinningMove($0) }) {
            nodes = 1
            return weak ? 1 : (ConnectFour.cells + 1 - p.moves) / 2
        }
        var lo = -(ConnectFour.cells - p.moves) / 2, hi = (ConnectFour.cells + 1 - p.moves) / 2
        if weak && !techniques.contains(.iterativeDeepening) { lo = -1; hi = 1 }
        guard techniques.contains(.alphaBeta) else {
            let v = try minimax(&p)
            return weak ? v.signum() : v
        }
        if !techniques.contains(.iterativeDeepening) {
            let v = try negamax(&p, alpha: lo, beta: hi)
            return weak ? v.signum() : v
        }
        // Narrow [lo, hi] by null-window tests, probing fast wins and losses first. A weak solve
        // stops as soon as the sign is settled.
        while lo < hi && !(weak && (lo > 0 || hi < 0 || (lo == 0 && hi == 0))) {
            var med = lo + (hi - lo) / 2
            if med <= 0 && lo / 2 < med { med = lo / 2 } else if med >= 0 && hi / 2 > med { med = hi / 2 }
            let r = try negamax(&p, alpha: med, beta: med + 1)
            if r <= med { hi = r } else { lo = r }
        }
        return weak ? lo.signum() : lo
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
            let r = try negamax(&p, alpha: -s, beta: -s + 1)
            total += nodes
            p.undo(col)
            if r <= -s { return (col, s) }
        }
        return nil
    }

    private func checkBudget() throws {
        if nodes & 0x3F_FFFF == 0, let onProgress { onProgress(nodes) }
        if let m = budget.maxNodes, nodes > m { var s = SearchStatistics(); s.nodes = nodes; throw SearchAborted(statistics: s) }
        if deadline != .infinity, nodes & 4095 == 0, searchClock() > deadline {
            var s = SearchStatistics(); s.nodes = nodes; throw SearchAborted(statistics: s)
        }
    }

    /// Plain negamax without pruning (the baseline).
    private func minimax(_ p: inout ConnectFour) throws -> Int {
        nodes += 1
        try checkBudget()
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
        try checkBudget()
        var alpha = alphaIn, beta = betaIn
        if p.moves == ConnectFour.cells { return 0 }
        for x in 0..<ConnectFour.width where p.canPlay(x) && p.isWinningMove(x) {
            return (ConnectFour.cells + 1 - p.moves) / 2
        }
        var maxScore = (ConnectFour.cells - 1 - p.moves) / 2
        let useTT = techniques.contains(.transpositionTable)
        let key = p.hashKey
        if useTT {
            let slot = Int(key % UInt64(keys.count))
            // A stored value is never 0 (values are kept as score − minScore + 1), so 0 marks an empty
            // slot: the empty board's key is 0 too, which must not read an empty slot as an entry.
            if keys[slot] == key, values[slot] != 0 {
                ttHits += 1
                maxScore = Int(values[slot]) + Self.minScore - 1
            }
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
        if useTT {
            let slot = Int(key % UInt64(keys.count))
            keys[slot] = key
            values[slot] = Int8(alpha - Self.minScore + 1)
        }
        return alpha
    }
}
