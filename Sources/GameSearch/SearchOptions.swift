/// How a ``Searcher`` searches: the algorithm and the move-ordering and caching techniques on top.
public struct SearchOptions {
    /// The tree search.
    public enum Algorithm: String, CaseIterable, Sendable {
        /// Plain negamax: every node to the depth limit (the baseline alpha-beta is measured against).
        case minimax
        /// Alpha-beta that returns values clamped to the window [α, β] (Knuth & Moore 1975).
        case alphaBetaFailHard = "alphabeta-failhard"
        /// Alpha-beta that returns the best value found even outside the window (tighter bounds for a TT).
        case alphaBetaFailSoft = "alphabeta-failsoft"
        /// Principal variation search: the first move with the full window, the rest with a null window
        /// [α, α+1], re-searched when they beat α (Marsland & Campbell 1982; NegaScout, Reinefeld 1983).
        case principalVariation = "pvs"
    }

    public var algorithm: Algorithm
    /// Try moves in the game's static order (`orderedMoves`) instead of its natural order.
    public var staticOrdering: Bool
    /// Try first the moves that caused cut-offs most often elsewhere (Schaeffer 1989).
    public var historyHeuristic: Bool
    /// Try first the two most recent cut-off moves at the same ply (Akl & Newborn 1977).
    public var killerMoves: Bool
    /// Cache values with bounds; its best move is tried first.
    public var transpositionTable: TranspositionTable?

    public init(algorithm: Algorithm = .alphaBetaFailSoft, staticOrdering: Bool = false, historyHeuristic: Bool = false,
                killerMoves: Bool = false, transpositionTable: TranspositionTable? = nil) {
        self.algorithm = algorithm
        self.staticOrdering = staticOrdering
        self.historyHeuristic = historyHeuristic
        self.killerMoves = killerMoves
        self.transpositionTable = transpositionTable
    }
}

/// A limit on the work of a search; exceeding it ends the search with ``SearchAborted``.
public struct SearchBudget: Sendable {
    public var maxNodes: Int?
    public var seconds: Double?
    public init(maxNodes: Int? = nil, seconds: Double? = nil) {
        self.maxNodes = maxNodes
        self.seconds = seconds
    }
    public static let unlimited = SearchBudget()
}

/// Thrown when a search exceeds its budget.
public struct SearchAborted: Error, CustomStringConvertible {
    public let statistics: SearchStatistics
    public var description: String { "search stopped by its budget after \(statistics.nodes) nodes" }
}
