/// Generated Connect-Four position sets, for users who want sets of their own: positions drawn from
/// seeded random games, classified by the number of stones on the board and by how many plies remain
/// to the end of the game under perfect play, and labelled by the exact solver.
///
/// These are not Pascal Pons's benchmark sets (those are ``PonsBenchmarkSet``, read from his files):
/// generated sets keep only positions the solver settles within its node budget, so they are biased
/// towards easy positions and are never compared with Pons's published figures.
public enum ConnectFourPositionSets {
    /// One set definition: a name and its ranges.
    public struct Spec: Sendable {
        public let name: String
        public let stones: ClosedRange<Int>
        public let remaining: ClosedRange<Int>
        public init(name: String, stones: ClosedRange<Int>, remaining: ClosedRange<Int>) {
            self.name = name; self.stones = stones; self.remaining = remaining
        }
    }

    /// Four definitions with the stone and remaining-ply ranges of Pons's four test levels.
    public static let specs: [Spec] = [
        Spec(name: "generated-stones29-41-plies0-13", stones: 29...41, remaining: 0...13),
        Spec(name: "generated-stones15-28-plies0-13", stones: 15...28, remaining: 0...13),
        Spec(name: "generated-stones15-28-plies14-27", stones: 15...28, remaining: 14...27),
        Spec(name: "generated-stones1-14-plies0-13", stones: 1...14, remaining: 0...13),
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
}
