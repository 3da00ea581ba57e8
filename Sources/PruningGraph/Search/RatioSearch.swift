import PruneTensor

/// One candidate a search scored.
public struct RatioCandidate: Sendable, Codable, Equatable {
    public var generation: Int
    public var ratios: [Double]
    public var macsFraction: Double
    /// The fraction of the dense model's budgeted cost it keeps (the MACs fraction under a MACs budget).
    public var costFraction: Double
    public var score: Double
}

/// What a search found: the best candidate and every candidate it scored, in order.
public struct RatioSearchOutcome: Sendable, Codable {
    public var best: RatioCandidate
    public var candidates: [RatioCandidate]

    public init(best: RatioCandidate, candidates: [RatioCandidate]) {
        self.best = best; self.candidates = candidates
    }
}

/// A search over per-group removal ratios under a MACs budget: it proposes candidates of a
/// ``RatioSearchSpace`` and keeps the one `score` rates highest (held-out accuracy after pruning and a
/// BatchNorm recalibration, in the CLI). A new search is one new type, listed in ``RatioSearches``.
public protocol RatioSearch: Sendable {
    var name: String { get }
    /// Candidates it scores in all on this space.
    func budget(for space: RatioSearchSpace) -> Int
    func run(_ space: RatioSearchSpace, seed: UInt64, score: ([Double]) throws -> Double,
             progress: (RatioCandidate, _ done: Int) -> Void) throws -> RatioSearchOutcome
}

/// The searches by the names the CLI uses.
public enum RatioSearches {
    typealias Maker = @Sendable (_ population: Int, _ generations: Int) -> any RatioSearch
    static let all: [(name: String, make: Maker)] = [
        ("random", { RandomRatioSearch(candidates: $0 * $1) }),
        ("evolutionary", { EvolutionaryRatioSearch(population: $0, generations: $1) }),
        ("sensitivity", { _, _ in SensitivityRatioSearch() }),
        ("amc", { AMCRatioSearch(episodes: $0 * $1) }),
    ]
    public static var names: [String] { all.map(\.name) }

    /// The search called `name` with `population` candidates per generation over `generations` (the
    /// random search scores population × generations candidates, AMC plays as many episodes; the sensitivity
    /// allocation ignores both).
    public static func make(_ name: String, population: Int, generations: Int) throws -> any RatioSearch {
        guard population >= 2, generations >= 1 else {
            throw StructuredPruningError.invalid("a ratio search needs a population of at least 2 and at least one "
                                                 + "generation, got \(population) and \(generations)")
        }
        guard let found = all.first(where: { $0.name == name.lowercased() }) else {
            throw StructuredPruningError.invalid("unknown ratio search \(name); known: "
                                                 + names.joined(separator: ", "))
        }
        return found.make(population, generations)
    }
}

/// EagleEye's search (Li et al., "EagleEye: Fast Sub-net Evaluation for Efficient Neural Network
/// Pruning", ECCV 2020): `candidates` feasible ratio vectors drawn uniformly at random, each scored,
/// the best kept.
public struct RandomRatioSearch: RatioSearch {
    public var name: String { "random" }
    public let candidates: Int
    public func budget(for space: RatioSearchSpace) -> Int { candidates }
    public init(candidates: Int) { self.candidates = candidates }

    public func run(_ space: RatioSearchSpace, seed: UInt64, score: ([Double]) throws -> Double,
                    progress: (RatioCandidate, Int) -> Void) throws -> RatioSearchOutcome {
        var rng = RandomGenerator(seed: seed)
        var scored = ScoredCandidates(space: space)
        for i in 0..<candidates {
            let c = try scored.evaluate(try space.randomFeasible(using: &rng), generation: 0, score: score)
            progress(c, i + 1)
        }
        return try scored.outcome()
    }
}

/// Scores candidates once each (a repeated ratio vector reuses its score) and keeps them in order.
struct ScoredCandidates {
    let space: RatioSearchSpace
    private(set) var all: [RatioCandidate] = []
    private var cache: [[Double]: Double] = [:]

    init(space: RatioSearchSpace) { self.space = space }

    mutating func evaluate(_ ratios: [Double], generation: Int,
                           score: ([Double]) throws -> Double) throws -> RatioCandidate {
        let s = try cache[ratios] ?? score(ratios)
        cache[ratios] = s
        let c = RatioCandidate(generation: generation, ratios: ratios, macsFraction: space.macsFraction(ratios),
                               costFraction: space.costFraction(ratios), score: s)
        all.append(c)
        return c
    }

    /// The best candidate: highest score, then the lowest cost, then the earliest.
    func outcome() throws -> RatioSearchOutcome {
        guard var best = all.first else { throw StructuredPruningError.invalid("the search scored no candidate") }
        for c in all.dropFirst()
        where c.score > best.score || (c.score == best.score && c.costFraction < best.costFraction) {
            best = c
        }
        return RatioSearchOutcome(best: best, candidates: all)
    }
}
