/// What a search did: the effort counters every search reports.
public struct SearchStatistics: Sendable, Codable, Equatable {
    /// Positions entered (calls of the recursive search).
    public var nodes = 0
    /// Positions scored by `evaluate()` (terminal or at the depth limit).
    public var leaves = 0
    /// Moves left unexplored because a bound was reached (beta cut-offs).
    public var cutoffs = 0
    /// Transposition-table probes that found the position.
    public var ttHits = 0
    /// Wall time in seconds.
    public var seconds = 0.0

    public init() {}
}

/// The result of a search: the value for the side to move, the best move, and the effort.
public struct SearchResult<Move: Hashable>: CustomStringConvertible {
    public var value: Int
    public var bestMove: Move?
    public var statistics: SearchStatistics
    /// The deepest completed iteration (iterative deepening) or the depth searched.
    public var depth: Int

    public var description: String {
        "value \(value), best move \(bestMove.map { "\($0)" } ?? "none"), \(statistics.nodes) nodes, \(statistics.leaves) leaves, depth \(depth)"
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Seconds on a monotonic clock.
func searchClock() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
