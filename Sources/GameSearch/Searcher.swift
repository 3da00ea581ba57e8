/// Depth-limited negamax searches over any ``Game``: minimax, alpha-beta (fail-hard and fail-soft)
/// and principal variation search, with optional static ordering, killer moves, the history
/// heuristic and a transposition table, all counted in ``SearchStatistics``.
///
/// Alpha-beta returns the minimax value while skipping moves that cannot change the decision
/// (Knuth & Moore, "An analysis of alpha-beta pruning", 1975).
public final class Searcher<G: Game> {
    public var options: SearchOptions
    public var budget: SearchBudget
    /// Orders moves best-first with knowledge outside the search (perfect ordering experiments).
    public var oracle: ((inout G, [G.Move]) -> [G.Move])?
    public private(set) var statistics = SearchStatistics()

    static var infinity: Int { Int(Int32.max) }
    private var history: [Int]
    private var killers: [[Int]] = []
    private var deadline = Double.infinity
    private var rootBest: G.Move?

    public init(options: SearchOptions = SearchOptions(), budget: SearchBudget = .unlimited) {
        self.options = options
        self.budget = budget
        history = Array(repeating: 0, count: G.moveIndexCount)
    }

    /// Searches `depth` plies from the current position (the game is restored afterwards).
    public func search(_ game: inout G, depth: Int) throws -> SearchResult<G.Move> {
        statistics = SearchStatistics()
        let start = searchClock()
        deadline = budget.seconds.map { start + $0 } ?? .infinity
        rootBest = nil
        if killers.count < depth + 1 { killers = Array(repeating: [], count: depth + 1) }
        defer { statistics.seconds = searchClock() - start }
        let v = try negamax(&game, depth: depth, ply: 0, alpha: -Self.infinity, beta: Self.infinity)
        statistics.seconds = searchClock() - start
        return SearchResult(value: v, bestMove: rootBest, statistics: statistics, depth: depth)
    }

    /// Iterative deepening: depth 1, 2, … up to `maxDepth` until the budget runs out, each iteration
    /// seeding the move order of the next through the transposition table and history. Returns the
    /// deepest completed iteration with the effort of all of them.
    public func iterativeDeepening(_ game: inout G, maxDepth: Int) throws -> SearchResult<G.Move> {
        var total = SearchStatistics()
        var best: SearchResult<G.Move>?
        let start = searchClock()
        let overall = budget
        for d in 1...Swift.max(1, maxDepth) {
            if let s = overall.seconds { budget.seconds = s - (searchClock() - start) }
            if let n = overall.maxNodes { budget.maxNodes = n - total.nodes }
            do {
                let r = try search(&game, depth: d)
                total.nodes += r.statistics.nodes; total.leaves += r.statistics.leaves
                total.cutoffs += r.statistics.cutoffs; total.ttHits += r.statistics.ttHits
                best = r
            } catch let e as SearchAborted {
                total.nodes += e.statistics.nodes; total.leaves += e.statistics.leaves
                total.cutoffs += e.statistics.cutoffs; total.ttHits += e.statistics.ttHits
                break
            }
        }
        budget = overall
        total.seconds = searchClock() - start
        guard var result = best else { throw SearchAborted(statistics: total) }
        result.statistics = total
        return result
    }

    private func checkBudget() throws {
        if let m = budget.maxNodes, statistics.nodes > m { throw SearchAborted(statistics: statistics) }
        if deadline != .infinity, statistics.nodes & 1023 == 0, searchClock() > deadline { throw SearchAborted(statistics: statistics) }
    }

    private func orderedMoves(_ game: inout G, ply: Int, ttMove: Int?) -> [G.Move] {
        var moves = options.staticOrdering ? game.orderedMoves : game.legalMoves
        if let oracle { moves = oracle(&game, moves) }
        if options.historyHeuristic || options.killerMoves {
            let k = ply < killers.count ? killers[ply] : []
            let scored = moves.enumerated().map { (i, m) -> (Int, Int, G.Move) in
                let idx = game.index(of: m)
                var s = 0
                if options.killerMoves, let pos = k.firstIndex(of: idx) { s += (1 << 40) >> pos }
                if options.historyHeuristic { s += history[idx] }
                return (s, i, m)
            }
            moves = scored.sorted { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }.map { $0.2 }
        }
        if let ttMove, let i = moves.firstIndex(where: { game.index(of: $0) == ttMove }), i > 0 {
            moves.insert(moves.remove(at: i), at: 0)
        }
        return moves
    }

    private func recordCutoff(_ game: G, move: G.Move, depth: Int, ply: Int) {
        statistics.cutoffs += 1
        let idx = game.index(of: move)
        if options.historyHeuristic { history[idx] += depth * depth }
        if options.killerMoves && ply < killers.count && killers[ply].first != idx {
            killers[ply].insert(idx, at: 0)
            if killers[ply].count > 2 { killers[ply].removeLast() }
        }
    }

    private func negamax(_ game: inout G, depth: Int, ply: Int, alpha alphaIn: Int, beta betaIn: Int) throws -> Int {
        statistics.nodes += 1
        try checkBudget()
        if depth == 0 || game.isTerminal {
            statistics.leaves += 1
            return game.evaluate()
        }
        var alpha = alphaIn, beta = betaIn
        let pruning = options.algorithm != .minimax
        let tt = pruning ? options.transpositionTable : nil
        let key = game.hashKey
        var ttMove: Int? = nil
        if let tt, let e = tt.probe(key) {
            statistics.ttHits += 1
            ttMove = e.bestMove >= 0 ? Int(e.bestMove) : nil
            if Int(e.depth) >= depth && ply > 0 {
                let v = Int(e.value)
                switch e.bound {
                case .exact: return v
                case .lower: alpha = Swift.max(alpha, v)
                case .upper: beta = Swift.min(beta, v)
                }
                if alpha >= beta { return v }
            }
        }
        let alphaStart = alpha
        let moves = orderedMoves(&game, ply: ply, ttMove: ttMove)
        var best = -Self.infinity
        var bestMove: G.Move? = nil
        let failHard = options.algorithm == .alphaBetaFailHard
        for (i, m) in moves.enumerated() {
            let v = try childValue(&game, m, first: i == 0, depth: depth, ply: ply, alpha: alpha, beta: beta,
                                   best: best)
            if v > best || bestMove == nil { best = v; bestMove = m }
            if pruning && best >= beta {
                recordCutoff(game, move: m, depth: depth, ply: ply)
                break
            }
        }
        if failHard { best = Swift.min(Swift.max(best, alpha), beta) }
        if ply == 0 { rootBest = bestMove }
        if let tt {
            let bound: TranspositionTable.Bound = best <= alphaStart ? .upper : (best >= beta ? .lower : .exact)
            tt.store(key, value: best, depth: depth, bound: bound, bestMove: bestMove.map { game.index(of: $0) } ?? -1)
        }
        return best
    }

    /// The value of `move` for the side to move, searched with the window the algorithm gives it.
    private func childValue(_ game: inout G, _ move: G.Move, first: Bool, depth: Int, ply: Int, alpha: Int, beta: Int,
                            best: Int) throws -> Int {
        game.play(move)
        defer { game.undo(move) }
        switch options.algorithm {
        case .minimax:
            return -(try negamax(&game, depth: depth - 1, ply: ply + 1, alpha: -Self.infinity, beta: Self.infinity))
        case .alphaBetaFailHard, .alphaBetaFailSoft:
            return -(try negamax(&game, depth: depth - 1, ply: ply + 1, alpha: -beta, beta: -Swift.max(alpha, best)))
        case .principalVariation:
            let a = Swift.max(alpha, best)
            if first { return -(try negamax(&game, depth: depth - 1, ply: ply + 1, alpha: -beta, beta: -a)) }
            var t = -(try negamax(&game, depth: depth - 1, ply: ply + 1, alpha: -a - 1, beta: -a))
            if t > a && t < beta { t = -(try negamax(&game, depth: depth - 1, ply: ply + 1, alpha: -beta, beta: -t)) }
            return t
        }
    }
}
