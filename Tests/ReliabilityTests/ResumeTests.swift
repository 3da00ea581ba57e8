import Foundation
import Prune
import XCTest

/// A run stopped at any checkpoint and resumed ends with the same model, bit for bit, as a run that
/// was never stopped: pruning schedules (iterative, AGP with pruning inside fine-tuning, one-shot)
/// and dense training.
final class ResumeTests: XCTestCase {
    /// Every checkpoint a run writes, kept in memory as the files would hold them.
    final class Recorder: RunCheckpointSink {
        var saved: [JobCheckpoint] = []
        func save(journal: [RunJournalEntry], optimizerState: [String: Tensor]?, model: any Module) throws {
            var c = JobCheckpoint(fingerprint: "test", model: model, optimizerState: optimizerState)
            c.journal = journal
            saved.append(c)
        }
    }

    /// A checkpoint sink that stops the run (as a kill would) once it has saved `limit` times.
    final class Killer: RunCheckpointSink {
        let limit: Int
        var count = 0
        init(limit: Int) { self.limit = limit }
        struct Killed: Error {}
        func save(journal: [RunJournalEntry], optimizerState: [String: Tensor]?, model: any Module) throws {
            count += 1
            if count > limit { throw Killed() }
        }
    }

    func data() throws -> PruningData {
        var rng = RandomGenerator(seed: 5)
        func set(_ n: Int) throws -> LabeledImages {
            try LabeledImages(images: Tensor.normal([n, 1, 28, 28], using: &rng), labels: (0..<n).map { ($0 * 7) % 10 },
                              classes: 10)
        }
        return PruningData(train: try set(96), test: try set(40), normalization: (0, 1))
    }

    /// A small MLP with dropout, whose generator must be part of the checkpoint.
    func model() -> Sequential {
        var rng = RandomGenerator(seed: 11)
        return Sequential(named: [("flatten", Flatten()), ("fc1", Linear(784, 64, rng: &rng)), ("relu", ReLU()),
                                  ("drop", Dropout(0.3, seed: 4)), ("fc2", Linear(64, 10, rng: &rng))])
    }

    func plan(_ schedule: any PruningSchedule, epochs: Int) -> PruningPlan {
        PruningPlan(criterion: MagnitudeImportance(), sparsity: 0.9, schedule: schedule,
                    fineTuning: FineTuningOptions(epochs: epochs, learningRate: 1e-3, learningRateMultiplier: 1,
                                                  batchSize: 32, seed: 3))
    }

    func values(_ m: any Module) -> [[Float]] { m.parameters().map { $0.parameter.effectiveValue.scalars } }

    func assertResumesExactly(_ plan: PruningPlan, file: StaticString = #filePath, line: UInt = #line) throws {
        let data = try data()
        let straight = model(), recorder = Recorder()
        let report = try Pruner.run(straight, plan: plan, data: data, inputShape: [1, 28, 28], checkpoints: recorder)
        XCTAssertGreaterThan(recorder.saved.count, 3, file: file, line: line)
        for (k, checkpoint) in recorder.saved.enumerated() {
            // Round trip through the file format, then resume a fresh model from it.
            let path = NSTemporaryDirectory() + "resume-\(UUID().uuidString).resume"
            try checkpoint.write(to: path)
            let loaded = try JobCheckpoint.read(path, fingerprint: "test")
            try? FileManager.default.removeItem(atPath: path)
            let resumed = model()
            let resumption = RunResumption(journal: loaded.journal) { try loaded.restore(into: resumed) }
            let again = try Pruner.run(resumed, plan: plan, data: data, inputShape: [1, 28, 28], resumption: resumption)
            XCTAssertTrue(values(resumed) == values(straight), "resumed from checkpoint \(k)", file: file, line: line)
            XCTAssertEqual(again.accuracyAfterPruning, report.accuracyAfterPruning, file: file, line: line)
            XCTAssertEqual(again.accuracyAfterFineTuning, report.accuracyAfterFineTuning, file: file, line: line)
            XCTAssertEqual(again.fineTuningCurve, report.fineTuningCurve, "the journal keeps each epoch's loss",
                           file: file, line: line)
        }
        let curve = try XCTUnwrap(report.fineTuningCurve, file: file, line: line)
        XCTAssertEqual(curve.map(\.epoch), Array(1...curve.count), file: file, line: line)
        XCTAssertTrue(curve.allSatisfy { $0.loss.isFinite && $0.loss > 0 }, file: file, line: line)
    }

    func testIterativeScheduleResumesBitIdenticallyFromEveryCheckpoint() throws {
        try assertResumesExactly(plan(IterativeSchedule(rate: 0.6, epochsPerRound: 2), epochs: 2))
    }

    func testGradualScheduleResumesWithPruningInsideFineTuning() throws {
        try assertResumesExactly(plan(GradualSchedule(initialSparsity: 0, startStep: 0, frequency: 2, pruningSteps: 4),
                                      epochs: 3))
    }

    func testOneShotScheduleResumes() throws {
        try assertResumesExactly(plan(OneShotSchedule(), epochs: 3))
    }

    func testAKilledRunThenResumedMatchesTheUninterruptedOne() throws {
        let data = try data(), schedule = IterativeSchedule(rate: 0.6, epochsPerRound: 2)
        let straight = model()
        _ = try Pruner.run(straight, plan: plan(schedule, epochs: 2), data: data, inputShape: [1, 28, 28])
        let path = NSTemporaryDirectory() + "killed-\(UUID().uuidString).resume"
        let file = JobCheckpointFile(path: path, fingerprint: "job")
        let victim = model()
        XCTAssertThrowsError(try Pruner.run(victim, plan: plan(schedule, epochs: 2), data: data, inputShape: [1, 28, 28],
                                            checkpoints: KillAfter(file, saves: 7)))
        let resumed = model()
        let resumption = try XCTUnwrap(try file.resumption(for: resumed, resume: true, log: SilentLog()))
        XCTAssertEqual(resumption.journal.count, 7)
        _ = try Pruner.run(resumed, plan: plan(schedule, epochs: 2), data: data, inputShape: [1, 28, 28],
                           checkpoints: file, resumption: resumption)
        XCTAssertTrue(values(resumed) == values(straight))
        file.finish()
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        try file.save(journal: [], optimizerState: nil, model: resumed)
        XCTAssertThrowsError(try JobCheckpointFile(path: path, fingerprint: "other job")
            .resumption(for: resumed, resume: true, log: SilentLog())) {
            XCTAssertTrue("\($0)".contains("different job"), "\($0)")
        }
        file.finish()
    }

    func testDenseTrainingResumesFromAnEpoch() throws {
        let data = try data()
        func train(upTo stop: Int?, checkpoints: TrainingCheckpoints) throws -> Sequential {
            let net = model()
            let optimizer = Adam(net.parameters().map(\.parameter), learningRate: 1e-3)
            let loop = TrainingLoop(epochs: 4, batchSize: 32, seed: 9, normalization: (0, 1))
            let schedule = CosineLR(base: 1e-3, totalSteps: loop.totalSteps(examples: data.train.count))
            let start = try checkpoints.start(model: net, optimizer: optimizer, log: SilentLog())
            _ = try loop.run(net, data: data.train, optimizer: optimizer, schedule: schedule, start: start,
                             epochDone: { epoch, _ in
                try checkpoints.save(epochsDone: epoch + 1, model: net, optimizer: optimizer)
                if epoch + 1 == stop { throw Killer.Killed() }
            })
            return net
        }
        let path = NSTemporaryDirectory() + "train-\(UUID().uuidString).resume"
        let straight = try train(upTo: nil, checkpoints: TrainingCheckpoints(path: nil, resume: false, fingerprint: "t"))
        XCTAssertThrowsError(try train(upTo: 2, checkpoints: TrainingCheckpoints(path: path, resume: false, fingerprint: "t")))
        let resumed = try train(upTo: nil, checkpoints: TrainingCheckpoints(path: path, resume: true, fingerprint: "t"))
        XCTAssertTrue(values(resumed) == values(straight))
        try? FileManager.default.removeItem(atPath: path)
    }

    /// A stop request (what SIGTERM becomes inside a deferring scope) mid-epoch or at an epoch's end
    /// saves the position reached; resuming from it gives the uninterrupted run's weights, bit for bit.
    func testTrainingStoppedByARequestResumesFromTheBatchItReached() throws {
        let data = try data()
        func train(stopAfterStep: Int?, checkpoints: TrainingCheckpoints) throws -> Sequential {
            let net = model()
            let optimizer = Adam(net.parameters().map(\.parameter), learningRate: 1e-3)
            let loop = TrainingLoop(epochs: 3, batchSize: 32, seed: 9, normalization: (0, 1))
            let schedule = CosineLR(base: 1e-3, totalSteps: loop.totalSteps(examples: data.train.count))
            let start = try checkpoints.start(model: net, optimizer: optimizer, log: SilentLog())
            var steps = 0
            _ = try StopRequest.deferringSignals {
                try loop.run(net, data: data.train, optimizer: optimizer, schedule: schedule, start: start,
                             progress: { _ in
                    steps += 1
                    if steps == stopAfterStep { StopRequest.request() }
                }, epochDone: { epoch, _ in
                    try checkpoints.save(epochsDone: epoch + 1, model: net, optimizer: optimizer)
                }, stopped: { try checkpoints.save(at: $0, model: net, optimizer: optimizer) })
            }
            return net
        }
        let straight = try train(stopAfterStep: nil, checkpoints: TrainingCheckpoints(path: nil, resume: false,
                                                                                      fingerprint: "t"))
        // 96 examples in batches of 32: 3 steps per epoch; step 3 ends the first epoch.
        for (stop, position) in [(2, TrainingPosition(epoch: 0, batch: 2)), (3, TrainingPosition(epoch: 1, batch: 0)),
                                 (7, TrainingPosition(epoch: 2, batch: 1))] {
            let path = NSTemporaryDirectory() + "stop-\(UUID().uuidString).resume"
            defer { try? FileManager.default.removeItem(atPath: path) }
            XCTAssertThrowsError(try train(stopAfterStep: stop, checkpoints: TrainingCheckpoints(
                path: path, resume: false, fingerprint: "t"))) {
                XCTAssertEqual(($0 as? TrainingStopped)?.position, position, "\($0)")
            }
            XCTAssertFalse(StopRequest.isRequested, "the request ends with its scope")
            let resumed = try train(stopAfterStep: nil, checkpoints: TrainingCheckpoints(path: path, resume: true,
                                                                                         fingerprint: "t"))
            XCTAssertTrue(values(resumed) == values(straight), "stopped after step \(stop)")
        }
    }

    func testOptimizerStateRoundTrips() throws {
        for makeOptimizer in [{ (p: [Parameter]) -> any Optimizer in SGD(p, learningRate: 0.1, momentum: 0.9) },
                              { (p: [Parameter]) -> any Optimizer in Adam(p, learningRate: 0.01) }] {
            let a = Parameter(Tensor([1, 2, 3])), b = Parameter(Tensor([1, 2, 3]))
            let first = makeOptimizer([a]), second = makeOptimizer([b])
            for step in 0..<3 {
                a.grad = Tensor([0.5, -1, Float(step)])
                first.step()
            }
            b.value = a.value
            try second.loadState(first.stateTensors())
            a.grad = Tensor([1, 1, 1]); b.grad = Tensor([1, 1, 1])
            first.step(); second.step()
            XCTAssertEqual(a.value.scalars, b.value.scalars)
        }
    }
}

/// Forwards to a checkpoint file, then stops the run after `saves` checkpoints (a simulated kill).
final class KillAfter: RunCheckpointSink {
    let inner: JobCheckpointFile
    let saves: Int
    var count = 0
    init(_ inner: JobCheckpointFile, saves: Int) { self.inner = inner; self.saves = saves }
    func save(journal: [RunJournalEntry], optimizerState: [String: Tensor]?, model: any Module) throws {
        guard count < saves else { throw ResumeTests.Killer.Killed() }
        count += 1
        try inner.save(journal: journal, optimizerState: optimizerState, model: model)
    }
}
