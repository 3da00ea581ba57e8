import Foundation
import Prune
import TestSupport
import XCTest

/// A structured (channel-removal) job stopped after a fine-tuning epoch and resumed ends with the
/// same file, byte for byte, as the job that was never stopped.
final class StructuredResumeTests: XCTestCase {
    struct Stopped: Error {}

    func testAStructuredJobStoppedAfterAnEpochResumesToTheSameFile() throws {
        guard FashionMNIST.isAvailable() else { throw MissingTestInput("Fashion-MNIST (Debian dataset-fashion-mnist)") }
        var data = ImageDataSource()
        data.trainLimit = 600
        data.testLimit = 200
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prune-structured-resume-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var settings = PruneSettings()
        settings.structured = StructuredSettings()
        settings.finetuneEpochs = 3
        settings.learningRateMultiplier = 1
        func inputs(out: String) -> PruningJob.Inputs {
            PruningJob.Inputs(model: "lenet5", weights: dir + "/dense.safetensors", trainIfMissing: (1, 0, 1e-3),
                              settings: settings, out: out)
        }
        _ = try PruningJob.run(inputs(out: dir + "/straight.safetensors"), data: data)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/straight.safetensors.resume"),
                       "a finished job removes its checkpoint")
        for stopAfter in [1, 2] {
            let out = dir + "/resumed-\(stopAfter).safetensors"
            var killed = inputs(out: out)
            var written = 0
            killed.checkpointWritten = { _ in
                written += 1
                if written == stopAfter { throw Stopped() }
            }
            XCTAssertThrowsError(try PruningJob.run(killed, data: data)) { XCTAssertTrue($0 is Stopped, "\($0)") }
            XCTAssertTrue(FileManager.default.fileExists(atPath: out + ".resume"))
            XCTAssertFalse(FileManager.default.fileExists(atPath: out))
            var resumed = inputs(out: out)
            resumed.resume = true
            var epochsAfterResuming = 0
            resumed.checkpointWritten = { _ in epochsAfterResuming += 1 }
            _ = try PruningJob.run(resumed, data: data)
            XCTAssertEqual(epochsAfterResuming, 3 - stopAfter, "only the epochs after the checkpoint run again")
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)),
                           try Data(contentsOf: URL(fileURLWithPath: dir + "/straight.safetensors")),
                           "stopped after epoch \(stopAfter), resumed: the same bytes")
        }
    }
}
