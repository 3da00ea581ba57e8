import Foundation
import PruneNN
import PruneTensor
import XCTest
@testable import PrunePruningGraph

/// AMC: the DDPG update against a NumPy reference with hand-written backpropagation, the environment's
/// state and budget clamp in closed form, and the search on a score with a known optimum.
final class AMCTests: XCTestCase {
    struct Reference: Decodable {
        let state: Int, hidden: Int
        let tau: Float, baseline: Float
        let initial: [String: [[Float]]], after: [String: [[Float]]]
        let states: [[Float]], actions: [Float], rewards: [Float], next: [[Float]], terminal: [Bool]
    }

    func testTwoDDPGUpdatesMatchTheNumPyReference() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/ddpg_update_reference", withExtension: "json"))
        let ref = try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
        var rng = RandomGenerator(seed: 0)
        let agent = try DDPGAgent(stateSize: ref.state, hidden: ref.hidden, rng: &rng)
        agent.tau = ref.tau
        let networks = ["actor": agent.actor, "critic": agent.critic, "actorTarget": agent.actorTarget,
                        "criticTarget": agent.criticTarget]
        for (name, net) in networks {
            for (p, values) in zip(net.parameters(), try XCTUnwrap(ref.initial[name])) {
                p.parameter.value = try Tensor(shape: p.parameter.value.shape, scalars: values)
            }
        }
        let batch = ref.states.indices.map { i in
            DDPGAgent.Transition(state: ref.states[i], action: ref.actions[i], reward: ref.rewards[i],
                                 next: ref.terminal[i] ? nil : ref.next[i])
        }
        for _ in 0..<2 { try agent.update(on: batch, baseline: ref.baseline) }
        for (name, net) in networks {
            let expected = try XCTUnwrap(ref.after[name])
            for (p, values) in zip(net.parameters(), expected) {
                for (a, b) in zip(p.parameter.value.scalars, values) {
                    XCTAssertEqual(a, b, accuracy: 2e-6, "\(name).\(p.path)")
                }
            }
            let moved = zip(net.parameters(), try XCTUnwrap(ref.initial[name])).contains { p, v in
                zip(p.parameter.value.scalars, v).contains { abs($0 - $1) > 1e-5 }
            }
            XCTAssertTrue(moved, "\(name) was updated")
        }
    }

    /// 10 → 20 → 16 → 5 (groups of 20 and 16 channels, dense MACs 600).
    func space(keep: Double) throws -> RatioSearchSpace {
        var rng = RandomGenerator(seed: 1)
        let model = Sequential([Linear(10, 20, rng: &rng), ReLU(), Linear(20, 16, rng: &rng), ReLU(),
                                Linear(16, 5, rng: &rng)])
        let graph = try DependencyGraph(tracing: model, example: Tensor.zeros([1, 10]))
        return try RatioSearchSpace(graph: graph, minimumKept: 0.1, keep: keep)
    }

    func testStateAndBudgetClampInClosedForm() throws {
        let env = try AMCEnvironment(space: try space(keep: 0.5))
        // Group 0 at 0.9 keeps 2 of 20: 600 − (20 + 32) = 548 removed → 0.9133…; group 1 keeps 2 of 16 (= 1.6 → 2):
        // 10·20 + 20·2 + 2·5 = 250 → 350 removed.
        let first: Double = 1 - Double(10 * 2 + 2 * 16 + 16 * 5) / 600
        let second: Double = 1 - Double(10 * 20 + 20 * 2 + 2 * 5) / 600
        XCTAssertEqual(env.controlledMacs[0], first, accuracy: 1e-12)
        XCTAssertEqual(env.controlledMacs[1], second, accuracy: 1e-12)
        let s0 = env.state(step: 0, chosen: [])
        XCTAssertEqual(s0, [0, 1, 1, 0, Float(env.controlledMacs[1]), 0])
        let s1 = env.state(step: 1, chosen: [0.45])
        // 0.45 of 20 removes 9: 10·11 + 11·16 + 80 = 366 → reduced 234/600; previous 0.45/0.9.
        XCTAssertEqual(s1, [1, 0, 0, Float(234.0 / 600), 0, 0.5])
        // First group: the second at 0.9 keeps 2, so 10k + 2k + 10 ≤ 300 → k ≤ 24: no clamp.
        XCTAssertEqual(env.minimumRatio(step: 0, chosen: []), 0)
        // After 0 for the first group: 200 + 20k + 5k ≤ 300 → k ≤ 4, remove ≥ 12 of 16: ratio ≥ 0.75.
        let r = env.minimumRatio(step: 1, chosen: [0])
        XCTAssertEqual(StructuredSelection.removedCount(ratio: r, channels: 16, minimum: 2), 12)
        XCTAssertEqual(StructuredSelection.removedCount(ratio: r - 1e-5, channels: 16, minimum: 2), 11)
        XCTAssertThrowsError(try AMCEnvironment(space: try space(keep: 0.05))) { error in
            XCTAssertTrue("\(error)".contains("still keeps"), "\(error)")
        }
    }

    func testAgentLearnsTowardAKnownOptimumWithinTheBudgetAndIsSeeded() throws {
        let graph = try RatioSearchTests.fourGroups()
        let optimum = [0.1, 0.3, 0.5, 0.2]
        let wide = try RatioSearchSpace(graph: graph, minimumKept: 0.1, keep: 1)
        let s = try RatioSearchSpace(graph: graph, minimumKept: 0.1, keep: wide.macsFraction(optimum) + 0.01)
        func score(_ r: [Double]) -> Double { -zip(r, optimum).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
        let search = try RatioSearches.make("amc", population: 10, generations: 12)
        XCTAssertEqual(search.budget(for: s), 120)
        let a = try search.run(s, seed: 3, score: score, progress: { _, _ in })
        XCTAssertEqual(a.candidates.count, 120)
        XCTAssertTrue(a.candidates.allSatisfy { $0.macsFraction <= s.keep + 1e-12 }, "every episode is in budget")
        let warmup = a.candidates.prefix(30).map { $0.score }, last = a.candidates.suffix(30).map { $0.score }
        let mean = { (x: [Double]) in x.reduce(0, +) / Double(x.count) }
        // Observed: warm-up mean −0.44, last 30 episodes −0.022, best −0.0099 (random sampling's best −0.0175).
        XCTAssertGreaterThan(mean(last), mean(warmup) + 0.2, "the trained policy scores above random actions")
        let random = try RatioSearches.make("random", population: 10, generations: 12).run(s, seed: 3, score: score,
                                                                                          progress: { _, _ in })
        XCTAssertGreaterThan(a.best.score, random.best.score, "on the same budget, AMC beats random sampling here")
        let b = try search.run(s, seed: 3, score: score, progress: { _, _ in })
        XCTAssertEqual(a.candidates, b.candidates, "same seed, same episodes")
    }
}
