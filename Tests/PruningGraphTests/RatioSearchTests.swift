import PruneAutodiff
import PruneNN
import PrunePruning
import PrunePruningGraph
import PruneTensor
import XCTest

/// The per-group ratio searches: the MACs of a candidate in closed form, feasibility, determinism, and
/// on a score with a known optimum the evolutionary search improves on its random first generation.
final class RatioSearchTests: XCTestCase {
    /// fc1 (10 → 20) → ReLU → fc2 (20 → 16) → ReLU → fc3 (16 → 5): two groups of 20 and 16 channels.
    func space(keep: Double, tolerance: Double = 0.02) throws -> RatioSearchSpace {
        var rng = RandomGenerator(seed: 1)
        let model = Sequential([Linear(10, 20, rng: &rng), ReLU(), Linear(20, 16, rng: &rng), ReLU(),
                                Linear(16, 5, rng: &rng)])
        let graph = try DependencyGraph(tracing: model, example: Tensor.zeros([1, 10]))
        XCTAssertEqual(graph.groups.map(\.channels), [20, 16])
        return try RatioSearchSpace(graph: graph, minimumKept: 0.1, keep: keep, tolerance: tolerance)
    }

    /// Four groups of 24 channels: 10 → 24 → 24 → 24 → 24 → 5.
    static func fourGroups() throws -> DependencyGraph {
        var rng = RandomGenerator(seed: 2)
        var layers: [any Module] = [Linear(10, 24, rng: &rng)]
        for _ in 0..<3 { layers += [ReLU(), Linear(24, 24, rng: &rng)] }
        layers += [ReLU(), Linear(24, 5, rng: &rng)]
        return try DependencyGraph(tracing: Sequential(layers), example: Tensor.zeros([1, 10]))
    }

    func testMACsOfACandidateInClosedForm() throws {
        let s = try space(keep: 0.5)
        // Dense 10·20 + 20·16 + 16·5 = 600; ratios (0.5, 0.25) keep 10 and 12 channels: 100 + 120 + 60 = 280.
        XCTAssertEqual(s.macsFraction([0, 0]), 1)
        XCTAssertEqual(s.macsFraction([0.5, 0.25]), 280.0 / 600, accuracy: 1e-12)
        // ⌊0.95·20⌋ = 19 would leave 1 < the 2 (10%) every group keeps.
        let minimal: Double = 10 * 2 + 2 * 16 + 16 * 5
        XCTAssertEqual(s.macsFraction([0.95, 0]), minimal / 600, accuracy: 1e-12)
        XCTAssertTrue(s.isFeasible([0.5, 0.25]) == false && s.isFeasible([0.4, 0.25]) == false)
        XCTAssertTrue(try space(keep: 0.47).isFeasible([0.5, 0.25]))
        var rng = RandomGenerator(seed: 3)
        for _ in 0..<20 {
            let r = try s.randomFeasible(using: &rng)
            XCTAssertTrue(s.values.contains(r[0]) && s.values.contains(r[1]))
            XCTAssertTrue((0.48...0.5).contains(s.macsFraction(r)), "\(r)")
        }
        XCTAssertThrowsError(try space(keep: 0.02).randomFeasible(using: &rng, attempts: 1000)) { error in
            XCTAssertTrue("\(error)".contains("widen the tolerance"), "\(error)")
        }
    }

    func testEvolutionImprovesOnItsFirstGenerationAndIsSeeded() throws {
        // A score whose optimum is feasible.
        let graph = try Self.fourGroups()
        let optimum = [0.1, 0.3, 0.5, 0.2]
        let wide = try RatioSearchSpace(graph: graph, minimumKept: 0.1, keep: 1)
        let s = try RatioSearchSpace(graph: graph, minimumKept: 0.1, keep: wide.macsFraction(optimum) + 0.01,
                                     tolerance: 0.1)
        XCTAssertTrue(s.isFeasible(optimum))
        func score(_ r: [Double]) -> Double { -zip(r, optimum).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
        let search = try RatioSearches.make("evolutionary", population: 8, generations: 6)
        var seen = 0
        let a = try search.run(s, seed: 5, score: score, progress: { _, done in seen = done })
        XCTAssertEqual(seen, 48)
        XCTAssertEqual(a.candidates.count, search.budget(for: s))
        XCTAssertTrue(a.candidates.allSatisfy { s.isFeasible($0.ratios) })
        XCTAssertEqual(a.best.score, a.candidates.map(\.score).max())
        let first = a.candidates.filter { $0.generation == 0 }.map(\.score).max()!
        XCTAssertGreaterThan(a.best.score, first, "selection and variation beat the random first generation")
        let b = try search.run(s, seed: 5, score: score, progress: { _, _ in })
        XCTAssertEqual(a.candidates, b.candidates, "same seed, same candidates")
        let random = try RatioSearches.make("random", population: 8, generations: 6)
        let r = try random.run(s, seed: 5, score: score, progress: { _, _ in })
        XCTAssertEqual(r.candidates.count, 48)
        XCTAssertGreaterThan(a.best.score, r.best.score, "on the same budget, evolution beats random sampling here")
        XCTAssertTrue(r.candidates.allSatisfy { $0.generation == 0 && s.isFeasible($0.ratios) })
        XCTAssertThrowsError(try RatioSearches.make("annealing", population: 8, generations: 2)) { error in
            XCTAssertTrue("\(error)".contains("random, evolutionary"), "\(error)")
        }
    }

    func testGroupRatiosPruneEachGroupByItsOwnRatio() throws {
        var rng = RandomGenerator(seed: 1)
        let model = Sequential([Linear(10, 20, rng: &rng), ReLU(), Linear(20, 16, rng: &rng), ReLU(),
                                Linear(16, 5, rng: &rng)])
        let result = try StructuredPruner(target: .groupRatios([0.5, 0.25]))
            .prune(model, example: Tensor.zeros([1, 10]))
        XCTAssertEqual(result.groups.map(\.channelsAfter), [10, 12])
        XCTAssertEqual(result.macsAfter, 280)
        XCTAssertThrowsError(try StructuredPruner(target: .groupRatios([0.5])).prune(model, example: Tensor.zeros([1, 10])))
    }

    /// An additive score with known sensitivities: pruning group g to r costs a_g·r². The allocation
    /// is recomputed here from the a_g directly: for each measured drop as the bound, every group takes
    /// its largest level within it; the first bound (ascending) whose MACs meet the target wins.
    func testSensitivityAllocationIsTheSmallestBoundThatMeetsTheTarget() throws {
        let graph = try Self.fourGroups()
        let s = try RatioSearchSpace(graph: graph, minimumKept: 0.1, keep: 0.5)
        let a = [0.05, 0.4, 0.1, 1.0]
        func score(_ r: [Double]) -> Double { 1 - zip(a, r).reduce(0) { $0 + $1.0 * $1.1 * $1.1 } }
        let search = try RatioSearches.make("sensitivity", population: 2, generations: 1)
        let outcome = try search.run(s, seed: 0, score: score, progress: { _, _ in })
        XCTAssertEqual(outcome.candidates.count, search.budget(for: s))
        let levels = (1...9).map { Double($0) / 10 }
        let drops = a.map { ag in levels.map { ag * $0 * $0 } }
        var expected: [Double]?
        for bound in Set(drops.joined()).sorted() {
            let alloc = drops.map { curve in zip(levels, curve).filter { $0.1 <= bound }.map(\.0).max() ?? 0 }
            if s.macsFraction(alloc) <= 0.5 { expected = alloc; break }
        }
        XCTAssertEqual(outcome.best.ratios.map { ($0 * 10).rounded() }, try XCTUnwrap(expected).map { ($0 * 10).rounded() })
        XCTAssertLessThanOrEqual(outcome.best.macsFraction, 0.5)
        XCTAssertEqual(outcome.best.score, score(outcome.best.ratios), accuracy: 1e-12)
        // The most sensitive group (a = 1.0) is pruned least, the least sensitive (a = 0.05) most.
        XCTAssertLessThan(outcome.best.ratios[3], outcome.best.ratios[0])
        XCTAssertThrowsError(try search.run(try RatioSearchSpace(graph: graph, minimumKept: 0.1, keep: 0.01),
                                            seed: 0, score: score, progress: { _, _ in })) { error in
            XCTAssertTrue("\(error)".contains("largest level"), "\(error)")
        }
    }
}
