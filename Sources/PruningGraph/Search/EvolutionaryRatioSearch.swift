import PruneTensor

/// An evolutionary search over per-group ratios under a MACs budget (as in MetaPruning, Liu et al.
/// ICCV 2019, and the evolutionary variants of EagleEye's sub-net search): a random feasible population,
/// then each generation takes the best `parents` candidates scored so far and makes the population of
/// children: half mutations (each ratio moves by one or two grid steps up or down with probability
/// `mutation`, at least one ratio moves) and half uniform crossovers of two parents. A child that is
/// infeasible or already scored is redrawn (after 100 tries, a random feasible one).
/// Seeded: the same seed and scores give the same candidates.
public struct EvolutionaryRatioSearch: RatioSearch {
    public var name: String { "evolutionary" }
    public let population: Int
    public let generations: Int
    public var parents: Int
    public var mutation: Double

    public init(population: Int, generations: Int, parents: Int? = nil, mutation: Double = 0.2) {
        self.population = population; self.generations = generations
        self.parents = parents ?? max(2, population / 4); self.mutation = mutation
    }

    public func budget(for space: RatioSearchSpace) -> Int { population * generations }

    public func run(_ space: RatioSearchSpace, seed: UInt64, score: ([Double]) throws -> Double,
                    progress: (RatioCandidate, Int) -> Void) throws -> RatioSearchOutcome {
        var rng = RandomGenerator(seed: seed)
        var scored = ScoredCandidates(space: space)
        var current: [RatioCandidate] = []
        for g in 0..<generations {
            let top = current.sorted { $0.score > $1.score }.prefix(parents).map(\.ratios)
            for i in 0..<population {
                let ratios = top.isEmpty ? try space.randomFeasible(using: &rng)
                    : try child(of: top, mutate: i % 2 == 0, space: space, seen: Set(current.map(\.ratios)), rng: &rng)
                let c = try scored.evaluate(ratios, generation: g, score: score)
                current.append(c)
                progress(c, scored.all.count)
            }
        }
        return try scored.outcome()
    }

    func child(of parents: [[Double]], mutate: Bool, space: RatioSearchSpace, seen: Set<[Double]>,
               rng: inout RandomGenerator) throws -> [Double] {
        for _ in 0..<100 {
            let a = parents[rng.nextInt(below: parents.count)], b = parents[rng.nextInt(below: parents.count)]
            let c = mutate ? mutated(a, space: space, rng: &rng) : zip(a, b).map { rng.nextUniform() < 0.5 ? $0 : $1 }
            if !seen.contains(c), space.isFeasible(c) { return c }
        }
        return try space.randomFeasible(using: &rng)
    }

    /// Each ratio moves ±1 or ±2 grid steps with probability `mutation` (one forced move), within the grid.
    func mutated(_ a: [Double], space: RatioSearchSpace, rng: inout RandomGenerator) -> [Double] {
        let grid = space.values
        var idx = a.map { r in grid.indices.min { abs(grid[$0] - r) < abs(grid[$1] - r) }! }
        let forced = rng.nextInt(below: idx.count)
        for i in idx.indices where i == forced || rng.nextUniform() < Float(mutation) {
            let move = [-2, -1, 1, 2][rng.nextInt(below: 4)]
            idx[i] = min(max(idx[i] + move, 0), grid.count - 1)
        }
        return idx.map { grid[$0] }
    }
}
