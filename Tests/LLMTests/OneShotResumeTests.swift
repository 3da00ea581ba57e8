import Foundation
import Prune
import XCTest

/// Block-by-block one-shot pruning stopped after any block and resumed from its checkpoint folder
/// ends with the same weights, bit for bit, as a run that was never stopped.
final class OneShotResumeTests: XCTestCase {
    struct Stopped: Error {}

    func weights(_ model: LlamaModel) -> [[Float]] {
        model.layers.flatMap { $0.linearLayers.map(\.layer.prunableWeight.value.scalars) }
    }

    func testAStoppedRunResumesAfterItsLastBlockToTheSameWeights() throws {
        let calibration = TinyLlama.rows(count: 3, length: 12, seed: 4)
        let pruner = OneShotPruner(method: SparseGPT(), sparsity: .unstructured(0.5))
        let straight = try TinyLlama.model(blocks: 4)
        let expected = try pruner.prune(straight, calibration: calibration)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("oneshot-resume-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for stopAfter in 1...3 {
            let killed = OneShotCheckpointFolder(path: dir, fingerprint: "job", resume: false)
            killed.written = { if $0 == stopAfter { throw Stopped() } }
            XCTAssertThrowsError(try pruner.prune(try TinyLlama.model(blocks: 4), calibration: calibration,
                                                  checkpoints: killed))
            let resumedModel = try TinyLlama.model(blocks: 4)
            var lines: [String] = []
            let resumed = OneShotCheckpointFolder(path: dir, fingerprint: "job", resume: true)
            let results = try pruner.prune(resumedModel, calibration: calibration, checkpoints: resumed) {
                lines.append($0)
            }
            XCTAssertEqual(lines.count, 4 - stopAfter, "only the blocks after the checkpoint are pruned again")
            XCTAssertTrue(weights(resumedModel) == weights(straight), "stopped after block \(stopAfter)")
            XCTAssertEqual(results.map(\.path), expected.map(\.path))
            XCTAssertEqual(results.map(\.sparsity), expected.map(\.sparsity))
            XCTAssertThrowsError(try OneShotCheckpointFolder(path: dir, fingerprint: "another job", resume: true)
                .saved()) { XCTAssertTrue("\($0)".contains("different job"), "\($0)") }
            resumed.finish()
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir))
        }
    }

    /// A stop request (what SIGTERM becomes inside a deferring scope) made while block 1 is pruned (here, as
    /// its checkpoint is written) ends the run after that block with ``OneShotStopped``; resuming gives the
    /// uninterrupted weights.
    func testAStopRequestEndsTheRunAfterTheBlockInProgress() throws {
        let calibration = TinyLlama.rows(count: 3, length: 12, seed: 5)
        let pruner = OneShotPruner(method: SparseGPT(), sparsity: .unstructured(0.5))
        let straight = try TinyLlama.model(blocks: 4)
        _ = try pruner.prune(straight, calibration: calibration)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("oneshot-stop-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let stopped = OneShotCheckpointFolder(path: dir, fingerprint: "job", resume: false)
        stopped.written = { if $0 == 1 { StopRequest.request() } }
        XCTAssertThrowsError(try StopRequest.deferringSignals {
            try pruner.prune(try TinyLlama.model(blocks: 4), calibration: calibration, checkpoints: stopped)
        }) { XCTAssertEqual(($0 as? OneShotStopped)?.blocksDone, 1, "\($0)") }
        XCTAssertFalse(StopRequest.isRequested)
        let resumedModel = try TinyLlama.model(blocks: 4)
        _ = try pruner.prune(resumedModel, calibration: calibration,
                             checkpoints: OneShotCheckpointFolder(path: dir, fingerprint: "job", resume: true))
        XCTAssertTrue(weights(resumedModel) == weights(straight))
        // Without checkpoints a request is not acted on (nothing could be resumed).
        let plain = try TinyLlama.model(blocks: 4)
        try StopRequest.deferringSignals {
            StopRequest.request()
            _ = try pruner.prune(plain, calibration: calibration)
        }
        XCTAssertTrue(weights(plain) == weights(straight))
    }
}
