import Foundation
import PruneModelIO
import PruneNN
import PruneTensor
import TestSupport
import XCTest

/// The hostile-input cases of the reliability review, run through the `prune` executable: one clear
/// line and a non-zero status, never a crash, a silent reinterpretation or a half-written output.
final class ReliabilityCLITests: XCTestCase {
    func tempDir() throws -> String {
        let d = NSTemporaryDirectory() + "prune-reliability-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    func assertRefused(_ args: [String], mentions word: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try PruneCLI.run(args)
        XCTAssertNotEqual(r.status, 0, "exit status of \(args)", file: file, line: line)
        XCTAssertLessThan(r.status, 128, "no crash: \(args)", file: file, line: line)
        XCTAssertTrue(r.err.contains(word), "'\(word)' not in: \(r.err)", file: file, line: line)
    }

    func testNegativeCountsAfterASpaceAreRangeErrorsNotMissingValues() throws {
        try assertRefused(["train", "--epochs", "-1"], mentions: "--epochs must be non-negative")
        try assertRefused(["train", "--train-limit", "-5"], mentions: "--train-limit must be ≥ 0, got -5")
        try assertRefused(["eval", "--model", "lenet300", "--weights", "x", "--test-limit", "-5"], mentions: "--test-limit")
        try assertRefused(["tree", "--data", "iris", "--test-fraction", "-0.5"], mentions: "--test-fraction must be in [0, 1)")
        try assertRefused(["search", "connect4", "--max-nodes", "-1"], mentions: "--max-nodes must be ≥ 0")
        try assertRefused(["train", "--epochs", "1", "--max-memory", "-4G"], mentions: "--max-memory")
    }

    func testOutputsAreNeverDevicesAndTheFolderIsCheckedFirst() throws {
        try assertRefused(["train", "--epochs", "0", "--out", "/dev/null"], mentions: "is a device, not a regular file")
        try assertRefused(["decompress", "/nonexistent.prune", "--out", "/dev/null"], mentions: "is a device")
        let dir = try tempDir()
        try assertRefused(["compress", dir, "--out", dir], mentions: "must differ")
        let started = Date()
        try assertRefused(["prune", "--model", "lenet300", "--weights", "/nonexistent.safetensors",
                           "--out", "/nonexistent-folder/p.safetensors"], mentions: "does not exist")
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "refused before loading anything")
    }

    func testPruneSettingsAreCheckedBeforeWork() throws {
        try assertRefused(["prune", "--model", "lenet300", "--weights", "/nonexistent.safetensors", "--schedule", "iterative",
                           "--sparsity", "0.5", "--rate", "0.00005"], mentions: "13863 rounds")
        try assertRefused(["prune", "--model", "lenet300", "--weights", "/nonexistent.safetensors", "--distill-weight", "0.5",
                           "--temperature", "0"], mentions: "temperature must be a positive number")
    }

    /// SIGINT and SIGTERM still end a busy run at once (the temporary-file cleanup must not swallow them).
    func testSignalsStopALongRun() throws {
        for (sig, status) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: try PruneCLI.requireBinary())
            p.arguments = ["search", "connect4", "--position", "44"]
            p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
            try p.run()
            Thread.sleep(forTimeInterval: 1)
            kill(p.processIdentifier, sig)
            let deadline = Date().addingTimeInterval(5)
            while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if p.isRunning { p.interrupt(); kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
            XCTAssertEqual(p.terminationReason, .uncaughtSignal, "signal \(sig)")
            XCTAssertEqual(p.terminationStatus + 128, status, "ended by signal \(sig)")
        }
    }

    /// Runs `args` to `straight.safetensors`; again to `stopped.safetensors`, sent SIGTERM as its first
    /// checkpoint appears (exit 143, a message with `stopMessage` and the --resume hint, the checkpoint kept
    /// and no output); then with --resume (its output mentions `resumeMessage`): the same bytes as straight.
    func assertSIGTERMResumesToTheSameFile(_ args: [String], in dir: String, stopMessage: String,
                                          resumeMessage: String, file: StaticString = #filePath,
                                          line: UInt = #line) throws {
        let straight = try PruneCLI.run(args + ["--out", dir + "/straight.safetensors", "--quiet"])
        XCTAssertEqual(straight.status, 0, straight.err, file: file, line: line)
        let (status, text) = try PruneCLI.stopAtFirstCheckpoint(args, out: dir + "/stopped.safetensors")
        XCTAssertEqual(status, 143, text, file: file, line: line)
        XCTAssertTrue(text.contains(stopMessage) && text.contains("--resume"), text, file: file, line: line)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/stopped.safetensors.resume"), file: file,
                      line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/stopped.safetensors"), file: file, line: line)
        let resumed = try PruneCLI.run(args + ["--out", dir + "/stopped.safetensors", "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.err, file: file, line: line)
        XCTAssertTrue((resumed.out + resumed.err).contains(resumeMessage), resumed.out + resumed.err, file: file,
                      line: line)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: dir + "/stopped.safetensors")),
                       try Data(contentsOf: URL(fileURLWithPath: dir + "/straight.safetensors")), file: file,
                       line: line)
    }

    /// SIGTERM during `prune train --out` (as the second epoch starts) saves a checkpoint at the step reached
    /// and exits 143; the same command with --resume then writes the uninterrupted run's file, byte for byte.
    func testSIGTERMDuringTrainingSavesACheckpointAndResumesToTheSameFile() throws {
        try PruneCLI.requireFashionMNIST()
        try assertSIGTERMResumesToTheSameFile(["train", "--model", "lenet5", "--epochs", "2", "--train-limit", "3000",
                                               "--test-limit", "200", "--seed", "3"], in: try tempDir(),
                                              stopMessage: "stopped on request", resumeMessage: "resuming from")
    }

    /// The same for the fine-tuning of a structured prune: SIGTERM in its second epoch saves the position
    /// mid-epoch, and --resume ends with the uninterrupted run's file.
    func testSIGTERMDuringStructuredFineTuningResumesToTheSameFile() throws {
        try PruneCLI.requireFashionMNIST()
        let dir = try tempDir()
        let limits = ["--train-limit", "3000", "--test-limit", "200"]
        XCTAssertEqual(try PruneCLI.run(["train", "--model", "lenet5", "--epochs", "1", "--out", dir + "/d.safetensors",
                                         "--quiet"] + limits).status, 0)
        try assertSIGTERMResumesToTheSameFile(["prune", "--model", "lenet5", "--weights", dir + "/d.safetensors",
                                               "--structured", "--ratio", "0.5", "--finetune-epochs", "2", "--seed",
                                               "2"] + limits, in: dir,
                                              stopMessage: "stopped on request after batch",
                                              resumeMessage: "1 epoch(s) and ")
    }

    /// The same for a mask-pruning schedule with pruning inside fine-tuning (AGP): SIGTERM once the first
    /// checkpoint is written stops the run at its next fine-tuning batch, and --resume replays the pruning
    /// steps done and ends with the uninterrupted run's file.
    func testSIGTERMDuringGradualPruningResumesToTheSameFile() throws {
        try PruneCLI.requireFashionMNIST()
        let dir = try tempDir()
        let limits = ["--train-limit", "3000", "--test-limit", "200"]
        XCTAssertEqual(try PruneCLI.run(["train", "--model", "lenet300", "--epochs", "1", "--out",
                                         dir + "/d.safetensors", "--quiet"] + limits).status, 0)
        try assertSIGTERMResumesToTheSameFile(["prune", "--model", "lenet300", "--weights", dir + "/d.safetensors",
                                               "--schedule", "gradual", "--sparsity", "0.8", "--agp-frequency", "10",
                                               "--finetune-epochs", "2", "--seed", "4"] + limits, in: dir,
                                              stopMessage: "stopped on request after batch",
                                              resumeMessage: "resuming from")
    }

    func testCompressWithTheWrongModelLeavesNoOutput() throws {
        try PruneCLI.requireFashionMNIST()
        let dir = try tempDir()
        var rng = RandomGenerator(seed: 0)
        try Safetensors.write(LeNet300.make(rng: &rng).stateDict(), to: dir + "/l300.safetensors")
        try assertRefused(["compress", dir + "/l300.safetensors", "--out", dir + "/l300.prune", "--model", "lenet5",
                           "--test-limit", "100"], mentions: "missing")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/l300.prune"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["l300.safetensors"])
    }

    func testOverflowingWeightsEvaluateToNaNWithAWarning() throws {
        try PruneCLI.requireFashionMNIST()
        let dir = try tempDir()
        var rng = RandomGenerator(seed: 0)
        let net = LeNet300.make(rng: &rng)
        for (_, p) in net.parameters() { p.value = p.value.map { _ in 3e38 } }
        try Safetensors.write(net.stateDict(), to: dir + "/big.safetensors")
        let r = try PruneCLI.run(["eval", "--model", "lenet300", "--weights", dir + "/big.safetensors", "--test-limit", "100",
                                  "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.err.contains("NaN or infinite on 100 of 100"), r.err)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual((obj["test"] as? [String: Any])?["accuracy"] as? Double, 0)
    }
}
