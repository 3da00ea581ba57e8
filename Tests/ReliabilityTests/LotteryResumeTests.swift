import Foundation
import Prune
import XCTest

/// A lottery-ticket search stopped inside any of its trainings (the dense one, a round's ticket, either
/// control) at any batch, and resumed from its checkpoint folder, ends with the uninterrupted search's
/// ticket, bit for bit — rewind state, masks, trained weights and every measured accuracy.
final class LotteryResumeTests: XCTestCase {
    func data() throws -> (train: LabeledImages, test: LabeledImages) {
        var rng = RandomGenerator(seed: 8)
        func set(_ n: Int) throws -> LabeledImages {
            try LabeledImages(images: Tensor.normal([n, 1, 28, 28], using: &rng), labels: (0..<n).map { ($0 * 3) % 10 },
                              classes: 10)
        }
        return (try set(96), try set(40))
    }

    func settings() throws -> LotteryTicketSettings {
        try LotteryTicketSettings(rounds: 2, rate: 0.4, rewindStep: 2, reinitializationControl: true,
                                  randomMaskControl: true)
    }

    /// 96 examples in batches of 32 for 2 epochs: 3 batches per epoch, 6 steps per training.
    func recipe() -> SparseTrainingRecipe {
        SparseTrainingRecipe(model: "lenet300", epochs: 2, batchSize: 32, learningRate: 0.05)
    }

    func folder() throws -> String {
        let path = NSTemporaryDirectory() + "prune-lottery-\(UUID().uuidString).resume"
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testAStopInEveryTrainingAtEveryBatchResumesToTheSameTicket() throws {
        let (train, test) = try data()
        let straight = try recipe().lotteryTicketSearch(try settings(), data: train, test: test, seed: 4)
            .run(seed: 4, totalSteps: recipe().totalSteps(train))
        var stopped = recipe()
        stopped.checkpoints = TrainingMethodCheckpoints(folder: try folder(), fingerprint: "test", resume: true)
        try stopped.checkpoints?.prepare(log: SilentLog())
        var stops: [String: Int] = [:], resumed: LotteryTicket?, current = ""
        while resumed == nil {
            let plain = stopped.lotteryTicketSearch(try settings(), data: train, test: test, seed: 4)
            // Every training is asked to stop as it starts: it stops after its next batch (or its epoch's end).
            let search = LotteryTicketSearch(settings: plain.settings, makeModel: plain.makeModel) { net, hook, t in
                current = t.name
                StopRequest.request()
                return try plain.train(net, hook, t)
            }
            do {
                let saved = try stopped.checkpoints?.lottery.load()
                resumed = try search.run(seed: 4, totalSteps: stopped.totalSteps(train), resume: saved,
                                         progress: { try stopped.checkpoints?.lottery.save($0) })
            } catch let stop as TrainingStopped {
                stops[current, default: 0] += 1
                XCTAssertLessThan(stop.position.epoch, 2)
            }
            XCTAssertLessThan(stops.values.reduce(0, +), 60, "the search keeps moving")
            if stops.values.reduce(0, +) >= 60 { return }
        }
        XCTAssertFalse(StopRequest.isRequested, "each training's scope clears its request")
        // 5 stops in each of the 7 trainings: after batches 1, 2, the first epoch's end, batches 4 and 5.
        XCTAssertEqual(stops.count, 7, "\(stops)")
        XCTAssertTrue(stops.values.allSatisfy { $0 == 5 }, "\(stops)")
        let ticket = try XCTUnwrap(resumed)
        XCTAssertEqual(ticket.rounds, straight.rounds)
        XCTAssertEqual(ticket.rewindState.mapValues(\.scalars), straight.rewindState.mapValues(\.scalars))
        XCTAssertEqual(ticket.masks.mapValues(\.scalars), straight.masks.mapValues(\.scalars))
        XCTAssertEqual(ticket.trained.parameters().map(\.parameter.value.scalars),
                       straight.trained.parameters().map(\.parameter.value.scalars))
    }

}
