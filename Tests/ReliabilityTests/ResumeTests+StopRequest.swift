import Foundation
import Prune
import XCTest

/// A schedule that prunes inside fine-tuning (every second step up to step 6) and, in its first run only,
/// requests a stop after step `stopAfterStep`, as SIGTERM does inside a deferring scope.
struct StoppingStepSchedule: PruningSchedule {
    var stopAfterStep: Int?
    var description: String { "stopping-steps" }
    func isEqual(to other: any PruningSchedule) -> Bool { other is StoppingStepSchedule }

    func run(_ run: PruningRun) throws -> ScheduleOutcome {
        var outcome = ScheduleOutcome()
        try run.prune(to: 0.3)
        try run.fineTune(epochs: 3) { step in
            if step == stopAfterStep { StopRequest.request() }
            if step % 2 == 0, step <= 6 { try run.prune(to: 0.3 + 0.1 * Double(step / 2)) }
        }
        outcome.afterFineTuning = try run.evaluate()
        return outcome
    }
}

extension ResumeTests {
    /// A stop request inside a pruning run's fine-tuning epoch saves the position (a journal ending in the
    /// stop, the pruning steps inside the epoch before it); resuming from the file replays those steps and
    /// continues from that batch to the uninterrupted run's weights and fine-tuning curve, bit for bit.
    func testAPruningRunStoppedMidEpochResumesFromTheBatchItReached() throws {
        let data = try data()
        let straight = model()
        let report = try Pruner.run(straight, plan: plan(StoppingStepSchedule(), epochs: 3), data: data,
                                    inputShape: [1, 28, 28])
        // 96 examples in batches of 32: 3 steps per epoch. Step 5 is inside the second epoch, 7 in the third,
        // 3 ends the first (the stop then comes at the epoch's end).
        for (stop, batch) in [(5, 2), (7, 1), (3, nil as Int?)] {
            let path = NSTemporaryDirectory() + "stopped-run-\(UUID().uuidString).resume"
            let file = JobCheckpointFile(path: path, fingerprint: "job")
            defer { file.finish() }
            XCTAssertThrowsError(try StopRequest.deferringSignals {
                try Pruner.run(model(), plan: plan(StoppingStepSchedule(stopAfterStep: stop), epochs: 3), data: data,
                               inputShape: [1, 28, 28], checkpoints: file)
            }) { XCTAssertTrue($0 is TrainingStopped, "\($0)") }
            XCTAssertFalse(StopRequest.isRequested)
            let journal = try JobCheckpoint.read(path, fingerprint: "job").journal
            if let batch {
                guard case .fineTuneStopped(let b, _, _) = journal.last else { return XCTFail("\(journal)") }
                XCTAssertEqual(b, batch)
            } else {
                XCTAssertEqual(journal.last, .fineTuneEpoch(loss: report.fineTuningCurve?.first?.loss))
            }
            let resumed = model()
            let resumption = try XCTUnwrap(try file.resumption(for: resumed, resume: true, log: SilentLog()))
            let again = try Pruner.run(resumed, plan: plan(StoppingStepSchedule(), epochs: 3), data: data,
                                       inputShape: [1, 28, 28], checkpoints: file, resumption: resumption)
            XCTAssertTrue(values(resumed) == values(straight), "stopped after step \(stop)")
            XCTAssertEqual(again.fineTuningCurve, report.fineTuningCurve, "stopped after step \(stop)")
            XCTAssertFalse(again.fineTuningCurve?.isEmpty ?? true)
        }
    }
}
