/// Tic-tac-toe on a 3×3 board; cells are numbered 0–8 row by row. Solved exactly as a check:
/// the empty board is a draw. A win scores 10 minus the number of marks on the board, so faster
/// wins score higher.
public struct TicTacToe: Game {
    public typealias Move = Int
    /// 0 empty, 1 for X (who moves first), 2 for O.
    public private(set) var cells = [UInt8](repeating: 0, count: 9)
    public private(set) var marks = 0

    static let lines = [[0, 1, 2], [3, 4, 5], [6, 7, 8], [0, 3, 6], [1, 4, 7], [2, 5, 8], [0, 4, 8], [2, 4, 6]]
    static let staticOrder = [4, 0, 2, 6, 8, 1, 3, 5, 7]

    public init() {}

    /// The player to move: 1 (X) or 2 (O).
    public var toMove: UInt8 { marks % 2 == 0 ? 1 : 2 }

    /// The player who has three in a row, if any.
    public var winner: UInt8? {
        for l in Self.lines where cells[l[0]] != 0 && cells[l[0]] == cells[l[1]] && cells[l[1]] == cells[l[2]] { return cells[l[0]] }
        return nil
    }

    public var legalMoves: [Int] { isTerminal ? [] : (0..<9).filter { cells[$0] == 0 } }
    public var orderedMoves: [Int] { isTerminal ? [] : Self.staticOrder.filter { cells[$0] == 0 } }
    public mutating func play(_ move: Int) { cells[move] = toMove; marks += 1 }
    public mutating func undo(_ move: Int) { cells[move] = 0; marks -= 1 }
    public var isTerminal: Bool { marks == 9 || winner != nil }
    public func evaluate() -> Int { winner != nil ? -(10 - marks) : 0 }
    public var hashKey: UInt64 { cells.reduce(0) { $0 &* 3 &+ UInt64($1) } }
    public func index(of move: Int) -> Int { move }
    public static var moveIndexCount: Int { 9 }
}
