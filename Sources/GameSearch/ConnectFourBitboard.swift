/// The solver's working copy of a Connect-Four position: the side to move's stones, all stones and the
/// move count, copied per move instead of undone, with the threat masks of Pons's "Solving Connect
/// Four" parts 9–10: the empty cells that would complete four for a side, the moves that do not hand
/// the opponent an immediate win, and a move's count of winning cells.
struct ConnectFourBitboard {
    var current: UInt64
    var mask: UInt64
    var moves: Int

    init(_ position: ConnectFour) {
        current = position.current
        mask = position.mask
        moves = position.moves
    }

    /// Unique per position (see ``ConnectFour``).
    var key: UInt64 { current &+ mask }
    /// The smaller of the key and its mirror image's key (columns reversed), the same for both.
    var symmetricKey: UInt64 { Swift.min(key, Self.mirrored(key)) }
    /// The lowest cell of every column, and every cell (as literals: no lazy globals in the search).
    static let bottomRow: UInt64 = 0x0408_1020_4081
    static let board: UInt64 = 0x0FDF_BF7E_FDFB_F

    /// One bit per playable column: the lowest empty cell.
    var playable: UInt64 { (mask &+ Self.bottomRow) & Self.board }
    /// Empty cells where the side to move would complete four.
    var winningCells: UInt64 { Self.cells(completing: current, mask: mask) }
    /// Empty cells where the opponent would complete four.
    var opponentWinningCells: UInt64 { Self.cells(completing: current ^ mask, mask: mask) }
    /// True when the side to move can complete four at once.
    var canWinNext: Bool { winningCells & playable != 0 }

    /// The playable cells that do not let the opponent win at the next move (Pons part 9): a single
    /// opponent threat on a playable cell must be blocked, two cannot be (no move is returned), and
    /// no stone goes right under an opponent's winning cell. Only meaningful when ``canWinNext`` is false.
    func nonLosingMoves() -> UInt64 {
        var candidates = playable
        let threats = opponentWinningCells
        let forced = candidates & threats
        if forced != 0 {
            if forced & (forced &- 1) != 0 { return 0 }
            candidates = forced
        }
        return candidates & ~(threats >> 1)
    }

    /// How many winning cells the side to move has after playing `move` (Pons part 10's move score).
    func winningCellCount(after move: UInt64) -> Int {
        Self.cells(completing: current | move, mask: mask).nonzeroBitCount
    }

    /// A key with its columns in reverse order. A key's column never carries into the next one (a
    /// column's stones are a subset of its filled cells, so their sum stays inside the column's 7 bits).
    static func mirrored(_ key: UInt64) -> UInt64 {
        let column: UInt64 = 0x7F
        var m = (key & column) << 42 | (key >> 42) & column
        m |= ((key >> 7) & column) << 35 | ((key >> 35) & column) << 7
        m |= ((key >> 14) & column) << 28 | ((key >> 28) & column) << 14
        return m | (key & (column << 21))
    }

    /// Plays the cell `move` (one bit of ``playable``).
    mutating func play(_ move: UInt64) {
        current ^= mask
        mask |= move
        moves += 1
    }

    /// The empty cells that complete four with `stones`: vertical, then horizontal and both diagonals,
    /// each checking the three cells on either side of a gap.
    static func cells(completing stones: UInt64, mask: UInt64) -> UInt64 {
        var found = (stones << 1) & (stones << 2) & (stones << 3)
        found |= alongLine(stones, shift: UInt64(ConnectFour.height + 1))
        found |= alongLine(stones, shift: UInt64(ConnectFour.height))
        found |= alongLine(stones, shift: UInt64(ConnectFour.height + 2))
        return found & (Self.board ^ mask)
    }

    @inline(__always)
    private static func alongLine(_ p: UInt64, shift s: UInt64) -> UInt64 {
        var pair = (p << s) & (p << (2 * s))
        var found = pair & (p << (3 * s))
        found |= pair & (p >> s)
        pair = (p >> s) & (p >> (2 * s))
        found |= pair & (p << s)
        found |= pair & (p >> (3 * s))
        return found
    }
}

/// Up to seven moves kept sorted by score on insertion; ``next()`` hands out the highest score first
/// and, among equal scores, the one added last (so adding edge columns first keeps centre-first ties).
struct ConnectFourMoveList {
    private var moves = InlineArray<7, UInt64>(repeating: 0)
    private var scores = InlineArray<7, Int>(repeating: 0)
    private var count = 0

    mutating func add(_ move: UInt64, score: Int) {
        var i = count
        count += 1
        while i > 0 && scores[i - 1] > score {
            moves[i] = moves[i - 1]
            scores[i] = scores[i - 1]
            i -= 1
        }
        moves[i] = move
        scores[i] = score
    }

    mutating func next() -> UInt64? {
        guard count > 0 else { return nil }
        count -= 1
        return moves[count]
    }
}
