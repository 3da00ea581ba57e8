/// Benchmark position sets for Connect-Four, defined the way Pascal Pons's test sets are: by the
/// number of stones on the board (Begin 0–14, Middle 15–28, End 29–42) and by how many plies
/// remain to the end of the game under perfect play (Easy 0–13, Medium 14–27, Hard 28+).
/// Positions come from seeded random games and are labelled by the exact solver.
public enum ConnectFourPositionSets {
    /// One set: its name and its ranges.
    public struct Spec: Sendable {
        public let name: String
        public let stones: ClosedRange<Int>
        public let remaining: ClosedRange<Int>
        /// Pons's set with the same definition.
        public let ponsName: String
    }

    public static let specs: [Spec] = [
        Spec(name: "end-easy", stones: 29...41, remaining: 0...13, ponsName: "End-Easy (Test_L3_R1)"),
        Spec(name: "middle-easy", stones: 15...28, remaining: 0...13, ponsName: "Middle-Easy (Test_L2_R1)"),
        Spec(name: "middle-medium", stones: 15...28, remaining: 14...27, ponsName: "Middle-Medium (Test_L2_R2)"),
        Spec(name: "begin-easy", stones: 1...14, remaining: 0...13, ponsName: "Begin-Easy (Test_L1_R1)"),
    ]

    /// Plies from `moves` stones to the end of the game when the side to move's score is `score`.
    public static func remainingPlies(moves: Int, score: Int) -> Int {
        if score == 0 { return ConnectFour.cells - moves }
        let winnerStones = ConnectFour.cells / 2 + 1 - Swift.abs(score)
        let moverIsFirst = moves % 2 == 0
        let winnerIsFirst = score > 0 ? moverIsFirst : !moverIsFirst
        let endMoves = winnerIsFirst ? 2 * winnerStones - 1 : 2 * winnerStones
        return endMoves - moves
    }

    /// `count` positions of `spec` with their exact scores, drawn from random games seeded by
    /// `seed`. Candidates the solver cannot settle within `maxNodes` are skipped.
    public static func generate(_ spec: Spec, count: Int, seed: UInt64, maxNodes: Int = 5_000_000,
                                solver: ConnectFourSolver? = nil) -> [(position: String, score: Int)] {
        let solver = solver ?? ConnectFourSolver(budget: SearchBudget(maxNodes: maxNodes))
        var state = seed ^ 0xC4C4
        func next(_ n: Int) -> Int {
            state = RandomTree.mix(state)
            return Int(state % UInt64(n))
        }
        var out: [(String, Int)] = []
        var seen = Set<String>()
        var attempts = 0
        while out.count < count && attempts < count * 2000 {
            attempts += 1
            let target = spec.stones.lowerBound + next(spec.stones.count)
            var g = ConnectFour()
            var s = ""
            while g.moves < target && !g.isTerminal {
                let moves = g.legalMoves
                let c = moves[next(moves.count)]
                g.play(c)
                s += String(c + 1)
            }
            guard g.moves == target, !g.isTerminal, !seen.contains(s) else { continue }
            guard let score = try? solver.solve(g) else { continue }
            guard spec.remaining.contains(remainingPlies(moves: g.moves, score: score)) else { continue }
            seen.insert(s)
            out.append((s, score))
        }
        return out
    }

    /// Mean explored positions per technique stack, published by Pons ("Solving Connect Four",
    /// parts 3, 4, 5, 7 and 8), for the sets above; nil where he gives N/A.
    public static let ponsMeanNodes: [String: [String: Double?]] = [
        "minimax": ["end-easy": 11_024, "middle-easy": nil, "middle-medium": nil, "begin-easy": nil],
        "alpha-beta": ["end-easy": 283.6, "middle-easy": 54_236_700, "middle-medium": 453_614_000, "begin-easy": nil],
        "+ move order": ["end-easy": 139.7, "middle-easy": 2_081_790, "middle-medium": 40_396_700, "begin-easy": nil],
        "+ transposition table": ["end-easy": 92.84, "middle-easy": 207_900, "middle-medium": 1_731_000, "begin-easy": 156_400_000],
        "+ iterative deepening": ["end-easy": 131.6, "middle-easy": 9_472, "middle-medium": 1_699_000, "begin-easy": 236_700],
    ]

    /// The technique stacks of the table, in the order Pons adds them.
    public static let stacks: [(name: String, techniques: ConnectFourSolver.Techniques)] = [
        ("minimax", []),
        ("alpha-beta", [.alphaBeta]),
        ("+ move order", [.alphaBeta, .moveOrder]),
        ("+ transposition table", [.alphaBeta, .moveOrder, .transpositionTable]),
        ("+ iterative deepening", .all),
    ]
}
