/// Connect-Four on the standard board, 7 columns by 6 rows, as two 64-bit bitboards.
///
/// Bit `column·7 + row` holds a cell; each column has a seventh, always-empty bit that keeps
/// alignments from wrapping. `current` holds the stones of the side to move, `mask` all stones;
/// `current + mask` identifies the position uniquely. Columns are 0-based here and 1-based in
/// position strings ("4453": columns 4, 4, 5, 3).
public struct ConnectFour: Sendable, Game {
    public typealias Move = Int
    public static let width = 7
    public static let height = 6
    public static let cells = width * height

    public private(set) var current: UInt64 = 0
    public private(set) var mask: UInt64 = 0
    public private(set) var moves = 0
    /// True when the last move completed four in a row.
    public private(set) var lastMoveWon = false
    private var undoStack: [(UInt64, UInt64, Bool)] = []

    /// The empty board.
    public init() {}

    /// A position from a string of 1-based column numbers. Throws when a character is not 1–7,
    /// a column is full, or a move is played after the game was already won.
    public init(position: String) throws {
        self.init()
        for (i, ch) in position.enumerated() {
            guard let d = ch.wholeNumberValue, (1...Self.width).contains(d), ch.isASCII else {
                throw ConnectFourError.invalidCharacter(position: position, index: i + 1, character: ch)
            }
            let col = d - 1
            guard canPlay(col) else { throw ConnectFourError.fullColumn(position: position, index: i + 1, column: d) }
            if lastMoveWon { throw ConnectFourError.alreadyWon(position: position, index: i) }
            play(col)
        }
        if lastMoveWon { throw ConnectFourError.alreadyWon(position: position, index: position.count) }
    }

    static func bottom(_ col: Int) -> UInt64 { 1 << UInt64(col * (height + 1)) }
    static func top(_ col: Int) -> UInt64 { 1 << UInt64(height - 1 + col * (height + 1)) }
    static func column(_ col: Int) -> UInt64 { ((1 << UInt64(height)) - 1) << UInt64(col * (height + 1)) }
    static let bottomRow: UInt64 = (0..<width).reduce(0) { $0 | bottom($1) }
    static let board: UInt64 = bottomRow &* ((1 << UInt64(height)) - 1)

    /// True when column `col` has room.
    @inline(__always) public func canPlay(_ col: Int) -> Bool { mask & Self.top(col) == 0 }

    /// True when `stones` contain four in a row (horizontal, vertical or diagonal).
    @inline(__always) public static func hasFour(_ stones: UInt64) -> Bool {
        for shift in [UInt64(height + 1), 1, UInt64(height), UInt64(height + 2)] {
            let m = stones & (stones >> shift)
            if m & (m >> (2 * shift)) != 0 { return true }
        }
        return false
    }

    /// True when playing `col` makes the side to move win at once.
    @inline(__always) public func isWinningMove(_ col: Int) -> Bool {
        var pos = current
        pos |= (mask + Self.bottom(col)) & Self.column(col)
        return Self.hasFour(pos)
    }

    public mutating func play(_ col: Int) {
        undoStack.append((current, mask, lastMoveWon))
        current ^= mask
        mask |= mask + Self.bottom(col)
        moves += 1
        lastMoveWon = Self.hasFour(current ^ mask)
    }

    public mutating func undo(_ col: Int) {
        let s = undoStack.removeLast()
        current = s.0; mask = s.1; lastMoveWon = s.2
        moves -= 1
    }

    public var legalMoves: [Int] { isTerminal ? [] : (0..<Self.width).filter { canPlay($0) } }
    /// Centre columns first: they take part in more alignments.
    public var orderedMoves: [Int] { isTerminal ? [] : Self.centreFirst.filter { canPlay($0) } }
    public static let centreFirst = [3, 2, 4, 1, 5, 0, 6]
    public var isTerminal: Bool { lastMoveWon || moves == Self.cells }
    /// Exact at the end of the game in the usual convention: the loser to move scores minus
    /// (22 − the winner's stone count); a full board is 0. Elsewhere 0.
    public func evaluate() -> Int {
        lastMoveWon ? -(Self.cells / 2 + 1 - (moves + 1) / 2) : 0
    }
    public var hashKey: UInt64 { current &+ mask }
    public func index(of move: Int) -> Int { move }
    public static var moveIndexCount: Int { width }
}

/// A position string that is not a legal Connect-Four game.
public enum ConnectFourError: Error, CustomStringConvertible, Equatable {
    case invalidCharacter(position: String, index: Int, character: Character)
    case fullColumn(position: String, index: Int, column: Int)
    case alreadyWon(position: String, index: Int)

    public var description: String {
        switch self {
        case let .invalidCharacter(p, i, c): return "position \"\(p)\": character \(i) ('\(c)') is not a column 1–7"
        case let .fullColumn(p, i, c): return "position \"\(p)\": move \(i) plays column \(c), which is already full"
        case let .alreadyWon(p,
                             i): return "position \"\(p)\": the game was already won by move \(i)\(i < p.count ? "; no further moves are legal" : "")"
        }
    }
}
