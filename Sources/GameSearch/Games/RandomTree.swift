/// A uniform game tree with `branching` moves at every node, `depth` plies deep, and a random
/// leaf value (fixed by the seed and the path) for the first player. The standard model for
/// measuring alpha-beta (Knuth & Moore 1975).
public struct RandomTree: Game {
    public typealias Move = Int
    public let branching: Int
    public let depth: Int
    public let seed: UInt64
    /// The moves played from the root.
    public private(set) var path: [Int] = []
    private var keys: [UInt64]

    public init(branching: Int, depth: Int, seed: UInt64) {
        precondition(branching >= 1 && depth >= 0, "RandomTree needs branching ≥ 1 and depth ≥ 0")
        self.branching = branching
        self.depth = depth
        self.seed = seed
        keys = [Self.mix(seed ^ 0x5DEE_CE66)]
    }

    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public var legalMoves: [Int] { path.count < depth ? Array(0..<branching) : [] }
    public mutating func play(_ move: Int) { path.append(move); keys.append(Self.mix(keys.last! &+ UInt64(move + 1))) }
    public mutating func undo(_ move: Int) { path.removeLast(); keys.removeLast() }
    public var isTerminal: Bool { path.count >= depth }
    /// The leaf value for the side to move (distinct values in ±1,000,000,000 with overwhelming
    /// probability); 0 above the leaves.
    public func evaluate() -> Int {
        guard isTerminal else { return 0 }
        let v = Int(keys.last! % 2_000_000_001) - 1_000_000_000
        return path.count % 2 == 0 ? v : -v
    }
    public var hashKey: UInt64 { keys.last! }
    public func index(of move: Int) -> Int { move }
    public static var moveIndexCount: Int { 64 }

    /// The exact negamax value of the current position (full search, not counted anywhere).
    public mutating func exactValue() -> Int {
        if isTerminal { return evaluate() }
        var best = Int.min
        for m in 0..<branching {
            play(m)
            best = Swift.max(best, -exactValue())
            undo(m)
        }
        return best
    }

    /// Knuth and Moore's minimal tree: the leaves alpha-beta evaluates with perfect ordering,
    /// b^⌈d/2⌉ + b^⌊d/2⌋ − 1.
    public static func minimalLeaves(branching b: Int, depth d: Int) -> Int {
        func pow(_ x: Int, _ n: Int) -> Int { (0..<n).reduce(1) { acc, _ in acc * x } }
        return pow(b, (d + 1) / 2) + pow(b, d / 2) - 1
    }

    /// An oracle that orders moves by their exact value, best first (perfect ordering).
    public static func perfectOrder(_ game: inout RandomTree, _ moves: [Int]) -> [Int] {
        let values = moves.map { m -> Int in
            game.play(m)
            defer { game.undo(m) }
            return -game.exactValue()
        }
        return zip(moves, values).sorted { $0.1 > $1.1 }.map { $0.0 }
    }
}
