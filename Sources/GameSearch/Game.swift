/// A two-player, zero-sum, perfect-information game, seen from the side to move (negamax form).
///
/// Searches play and undo moves in place, so a game is a mutable value. `evaluate()` scores the
/// position for the side to move: exactly at terminal positions, heuristically elsewhere.
public protocol Game {
    associatedtype Move: Hashable

    /// Legal moves in the game's natural order (empty at terminal positions).
    var legalMoves: [Move] { get }
    /// The same moves in the game's static best-first guess (for example centre columns first).
    var orderedMoves: [Move] { get }
    /// Plays a legal move for the side to move.
    mutating func play(_ move: Move)
    /// Takes back the last move played, which was `move`.
    mutating func undo(_ move: Move)
    /// True when the game is over.
    var isTerminal: Bool { get }
    /// The score for the side to move: exact at terminal positions, a heuristic otherwise.
    func evaluate() -> Int
    /// A hash of the position for transposition tables (equal positions, equal keys).
    var hashKey: UInt64 { get }
    /// A dense index of a move in `0..<Self.moveIndexCount`, for history and killer tables.
    func index(of move: Move) -> Int
    /// The number of distinct move indices.
    static var moveIndexCount: Int { get }
}

extension Game {
    public var orderedMoves: [Move] { legalMoves }
}
