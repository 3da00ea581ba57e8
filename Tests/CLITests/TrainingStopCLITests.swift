import Foundation
import XCTest

/// SIGTERM inside the trainings that have no fine-tuning around them — a lottery-ticket round, a
/// `train.method` recipe, the dense training a recipe does when its weights are missing — saves the
/// batch reached and exits 143; the same command with `--resume` writes the uninterrupted run's files.
final class TrainingStopCLITests: XCTestCase {
    func temporaryDirectory() throws -> String { try PruneCLI.temporaryDirectory("prune-training-stop") }

    /// Starts `args`, sends SIGTERM once `ready()` holds, and returns the exit status and stderr.
    func stop(_ args: [String], when ready: () -> Bool) throws -> (status: Int32, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try PruneCLI.requireBinary())
        p.arguments = args
        let err = Pipe()
        p.standardOutput = FileHandle.nullDevice; p.standardError = err
        try p.run()
        let deadline = Date().addingTimeInterval(600)
        while !ready() && p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        kill(p.processIdentifier, SIGTERM)
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    func assertSameBytes(_ a: String, _ b: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: a)), try Data(contentsOf: URL(fileURLWithPath: b)),
                       a, file: file, line: line)
    }

    func testSIGTERMInsideALotteryRoundResumesToTheSameTicket() throws {
        try PruneCLI.requireFashionMNIST()
        let dir = try temporaryDirectory()
        let args = ["lottery", "--rounds", "2", "--epochs", "2", "--train-limit", "1500", "--test-limit", "300",
                    "--seed", "6", "--random-mask-control", "--threads", "1"]
        XCTAssertEqual(try PruneCLI.run(args + ["--out", dir + "/whole", "--quiet"]).status, 0)
        let folder = dir + "/stopped.resume"
        let (status, text) = try stop(args + ["--out", dir + "/stopped"]) { exists(folder + "/progress.json") }
        XCTAssertEqual(status, 143, text)
        XCTAssertTrue(text.contains("stopped on request") && text.contains("--resume"), text)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        XCTAssertTrue(files.contains { $0.hasPrefix("round-1-") || $0.hasPrefix("round-2-") },
                      "a training inside a round was checkpointed: \(files)")
        XCTAssertFalse(exists(dir + "/stopped/rounds.json"), "stopped before the end")
        let resumed = try PruneCLI.run(args + ["--out", dir + "/stopped", "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertTrue(resumed.out.contains("(from the checkpoint)"), resumed.out)
        for name in ["ticket.safetensors", "masks.safetensors", "trained.safetensors", "rounds.json"] {
            try assertSameBytes(dir + "/stopped/" + name, dir + "/whole/" + name)
        }
        XCTAssertFalse(exists(folder), "removed when finished")
    }

    func recipe(_ body: String, in dir: String, named name: String) throws -> String {
        let path = "\(dir)/\(name).yaml"
        try body.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func testSIGTERMDuringATrainMethodRecipeResumesToTheSameFile() throws {
        try PruneCLI.requireFashionMNIST()
        let dir = try temporaryDirectory()
        func body(_ out: String) -> String {
            "model: lenet300\ntrain: {method: rigl, sparsity: 0.9, epochs: 2, seed: 2, update_every: 25, "
                + "batch_size: 32}\ntrain_limit: 3000\ntest_limit: 300\nout: \(dir)/\(out)\n"
        }
        let straight = try recipe(body("straight.safetensors"), in: dir, named: "straight")
        XCTAssertEqual(try PruneCLI.run(["run", straight, "--quiet"]).status, 0)
        let stopped = try recipe(body("stopped.safetensors"), in: dir, named: "stopped")
        let epoch = dir + "/stopped.safetensors.resume/training.safetensors"
        let (status, text) = try stop(["run", stopped]) { exists(epoch) }
        XCTAssertEqual(status, 143, text)
        XCTAssertTrue(text.contains("stopped on request after batch") && text.contains("--resume"), text)
        XCTAssertFalse(exists(dir + "/stopped.safetensors"))
        let resumed = try PruneCLI.run(["run", stopped, "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertTrue((resumed.out + resumed.err).contains("resuming from"), resumed.out + resumed.err)
        try assertSameBytes(dir + "/stopped.safetensors", dir + "/straight.safetensors")
        XCTAssertFalse(exists(dir + "/stopped.safetensors.resume"), "removed when finished")
    }

    func testSIGTERMWhileARecipeTrainsItsDenseModelResumesToTheSameFiles() throws {
        try PruneCLI.requireFashionMNIST()
        let dir = try temporaryDirectory()
        func body(_ name: String) -> String {
            "model: lenet300\nweights: \(dir)/\(name)-dense.safetensors\ntrain_limit: 3000\ntest_limit: 300\n"
                + "train: {epochs: 2, seed: 3}\nprune: {criterion: magnitude, sparsity: 0.5}\nfinetune: {epochs: 0}\n"
                + "out: \(dir)/\(name).safetensors\n"
        }
        XCTAssertEqual(try PruneCLI.run(["run", try recipe(body("straight"), in: dir, named: "straight"),
                                         "--quiet"]).status, 0)
        let stopped = try recipe(body("stopped"), in: dir, named: "stopped")
        let checkpoint = dir + "/stopped-dense.safetensors.resume"
        let (status, text) = try stop(["run", stopped]) { exists(checkpoint) }
        XCTAssertEqual(status, 143, text)
        XCTAssertTrue(text.contains("stopped on request") && text.contains("stopped-dense.safetensors.resume"), text)
        XCTAssertFalse(exists(dir + "/stopped-dense.safetensors"), "the dense training did not finish")
        let resumed = try PruneCLI.run(["run", stopped, "--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        try assertSameBytes(dir + "/stopped-dense.safetensors", dir + "/straight-dense.safetensors")
        try assertSameBytes(dir + "/stopped.safetensors", dir + "/straight.safetensors")
    }
}
