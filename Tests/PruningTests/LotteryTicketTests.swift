import PruneNN
@testable import PrunePruning
import PruneTensor
import XCTest

/// The mechanics of iterative magnitude pruning with rewinding, with a stand-in "training" that moves
/// the weights deterministically and calls the hook as a training loop does.
final class LotteryTicketTests: XCTestCase {
    func makeModel(_ seed: UInt64) -> any Module {
        var rng = RandomGenerator(seed: seed)
        return Sequential(named: [("fc1", Linear(20, 30, rng: &rng)), ("relu", ReLU()),
                                  ("fc2", Linear(30, 10, rng: &rng))])
    }

    /// Ten "steps", each adding a fixed pattern to every weight; records the masked weights it starts from.
    final class FakeTraining {
        var starts: [[String: [Float]]] = []
        func train(_ model: any Module, _ hook: (any TrainingHook)?) throws -> Double {
            let values = model.parameters().map { ($0.path, $0.parameter.value.scalars) }
            starts.append(Dictionary(uniqueKeysWithValues: values))
            for step in 0..<10 {
                for (_, p) in model.parameters() {
                    p.value = p.value.map { $0 + 0.01 * sin(Float(step) + $0 * 7) }
                    p.value = p.effectiveValue
                }
                try hook?.didStep(step)
            }
            return Double(starts.count) / 100
        }
    }

    func testRoundsPruneTheRateOfTheSurvivorsAndRewind() throws {
        for rewind in [0, 4] {
            let fake = FakeTraining()
            let settings = try LotteryTicketSettings(rounds: 3, rate: 0.2, rewindStep: rewind)
            let search = LotteryTicketSearch(settings: settings, makeModel: makeModel, train: fake.train)
            let ticket = try search.run(seed: 1, totalSteps: 10)
            XCTAssertEqual(ticket.rounds.map(\.round), [0, 1, 2, 3])
            let hidden = (1...3).map { Int((600 * pow(0.8, Double($0))).rounded()) }
            XCTAssertEqual(ticket.masks["fc1.weight"]!.scalars.filter { $0 != 0 }.count, 307, "600·0.8³ step by step")
            XCTAssertEqual(hidden.last, 307)
            XCTAssertEqual(ticket.masks["fc2.weight"]!.scalars.filter { $0 != 0 }.count, 219,
                           "the output at 10% per round")
            // Every retraining starts from the rewind point, masked.
            let reference = makeModel(1)
            let snapshot = FakeTraining()
            if rewind > 0 { _ = try? snapshot.train(reference, RewindStop(at: rewind)) }
            for start in fake.starts.dropFirst() {
                for (path, p) in reference.parameters() {
                    for (a, b) in zip(start[path]!, p.value.scalars) where a != 0 {
                        XCTAssertEqual(a, b, accuracy: 1e-6)
                    }
                }
            }
            XCTAssertEqual(ticket.rewindState["fc1.weight"]!.scalars, reference.parameters()[0].parameter.value.scalars)
        }
    }

    /// Stops the fake training's weights at a step by throwing after it.
    final class RewindStop: TrainingHook {
        let step: Int
        init(at step: Int) { self.step = step }
        func didStep(_ s: Int) throws { if s + 1 == step { throw CancellationError() } }
    }

    func testEachRoundKeepsTheLargestTrainedSurvivors() throws {
        let fake = FakeTraining()
        let search = LotteryTicketSearch(settings: try LotteryTicketSettings(rounds: 1, rate: 0.5, outputRate: 0.5),
                                         makeModel: makeModel, train: fake.train)
        let model = makeModel(2)
        _ = try fake.train(model, nil)
        let targets = try PruningScope().targets(in: model)
        let masks = search.nextMasks(targets)
        for (t, m) in zip(targets, masks) {
            let values = t.parameter.value.scalars.map { abs($0) }
            let kept = values.indices.filter { m[$0] != 0 }, gone = values.indices.filter { m[$0] == 0 }
            XCTAssertEqual(kept.count, t.count / 2)
            XCTAssertLessThanOrEqual(gone.map { values[$0] }.max()!, kept.map { values[$0] }.min()!)
        }
    }

    func testControlsUseTheSameDensityWithOtherWeightsOrPositions() throws {
        var trained: [(any Module)] = []
        let settings = try LotteryTicketSettings(rounds: 1, rate: 0.5, reinitializationControl: true,
                                                 randomMaskControl: true)
        let search = LotteryTicketSearch(settings: settings, makeModel: makeModel) { model, _ in
            trained.append(model); return 0.5
        }
        _ = try search.run(seed: 3, totalSteps: 10)
        XCTAssertEqual(trained.count, 4, "dense, ticket, reinitialized, random mask")
        let masks = trained.map { m in m.parameters().compactMap { $0.parameter.mask?.scalars } }
        XCTAssertEqual(masks[2], masks[1], "the reinitialization keeps the ticket's mask")
        XCTAssertNotEqual(trained[2].parameters()[0].parameter.value.scalars.prefix(5),
                          trained[1].parameters()[0].parameter.value.scalars.prefix(5), "with fresh weights")
        XCTAssertEqual(masks[3].map { $0.filter { $0 != 0 }.count }, masks[1].map { $0.filter { $0 != 0 }.count })
        XCTAssertNotEqual(masks[3], masks[1], "the random mask moves the positions")
    }

    func testBadKnobsAreClearErrors() throws {
        XCTAssertThrowsError(try LotteryTicketSettings(rounds: 0))
        XCTAssertThrowsError(try LotteryTicketSettings(rounds: 2, rate: 1)) {
            XCTAssertTrue("\($0)".contains("(0, 1)"))
        }
        XCTAssertThrowsError(try LotteryTicketSettings(rounds: 2, rewindStep: -1))
        let search = LotteryTicketSearch(settings: try LotteryTicketSettings(rounds: 1, rewindStep: 50),
                                         makeModel: makeModel, train: { _, _ in 0 })
        XCTAssertThrowsError(try search.run(seed: 0, totalSteps: 20)) {
            XCTAssertTrue("\($0)".contains("beyond training"), "\($0)")
        }
    }
}
