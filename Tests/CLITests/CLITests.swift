import XCTest
import TestSupport
import Foundation
import PruneModelIO
import PruneNN
import PruneTensor

/// Runs the `prune` executable built beside this test bundle.
enum PruneCLI {
    /// The executable: $PRUNE_BINARY, or `prune` beside the test bundle (SwiftPM builds both into one folder).
    static var binary: String? {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["PRUNE_BINARY"] { candidates.append(env) }
        for base in [CommandLine.arguments.first ?? "", Bundle(for: CLITests.self).bundlePath, Bundle.main.bundlePath] where !base.isEmpty {
            var url = URL(fileURLWithPath: base)
            for _ in 0..<4 {
                url.deleteLastPathComponent()
                candidates.append(url.appendingPathComponent("prune").path)
            }
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) && !$0.hasSuffix(".xctest") }
    }

    static func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
        try capture(try requireBinary(), args)
    }

    /// Runs any executable to its end: exit status, stdout and stderr.
    static func capture(_ binary: String, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        let o = Pipe(), e = Pipe()
        p.standardOutput = o; p.standardError = e
        try p.run()
        let od = o.fileHandleForReading.readDataToEndOfFile(), ed = e.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: od, as: UTF8.self), String(decoding: ed, as: UTF8.self))
    }

    /// The executable, or a failure: the test command builds it beside the tests.
    static func requireBinary() throws -> String {
        guard let binary else { throw MissingTestInput("the prune executable beside the test bundle") }
        return binary
    }

    /// The fraction of zeros in LeNet-300-100's three weights of a saved file.
    static func lenet300ZeroFraction(_ path: String) throws -> Double {
        let state = try Safetensors.read(path)
        var zeros = 0, total = 0
        for name in ["fc1.weight", "fc2.weight", "fc3.weight"] {
            let w = try XCTUnwrap(state.tensors[name], name)
            zeros += w.scalars.filter { $0 == 0 }.count
            total += w.count
        }
        return Double(zeros) / Double(total)
    }

    /// A new empty folder under the temporary directory, named `prefix`-UUID.
    static func temporaryDirectory(_ prefix: String) throws -> String {
        let dir = NSTemporaryDirectory() + "\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Fails when Fashion-MNIST is not installed; the test set-up installs it (dataset-fashion-mnist).
    static func requireFashionMNIST() throws {
        guard FashionMNIST.isAvailable() else { throw MissingTestInput("Fashion-MNIST (Debian dataset-fashion-mnist)") }
    }

    /// Trains LeNet-300-100 for one epoch on the first 4,000 training images (seed 1) into
    /// `folder`/m.safetensors; returns its path.
    static func trainSmallLeNet300(in folder: String) throws -> String {
        try requireFashionMNIST()
        let weights = folder + "/m.safetensors"
        let t = try run(["train", "--model", "lenet300", "--epochs", "1", "--seed", "1", "--train-limit", "4000",
                         "--out", weights, "--quiet"])
        guard t.status == 0 else {
            throw NSError(domain: "prune train", code: Int(t.status), userInfo: [NSLocalizedDescriptionKey: t.err])
        }
        return weights
    }

    /// Runs `args + ["--out", out]` and sends SIGTERM as soon as its first checkpoint (`out.resume`)
    /// appears; returns the exit status and stderr.
    static func stopAtFirstCheckpoint(_ args: [String], out: String) throws -> (status: Int32, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try requireBinary())
        p.arguments = args + ["--out", out]
        let err = Pipe()
        p.standardOutput = FileHandle.nullDevice; p.standardError = err
        try p.run()
        let deadline = Date().addingTimeInterval(600)
        while !FileManager.default.fileExists(atPath: out + ".resume") && p.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        kill(p.processIdentifier, SIGTERM)
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return (p.terminationStatus, text)
    }

}

/// End-to-end tests of the `prune` executable built beside this test bundle.
final class CLITests: XCTestCase {
    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try PruneCLI.run(args) }

    func requireData() throws { try PruneCLI.requireFashionMNIST() }

    func tempDir() throws -> String {
        let d = NSTemporaryDirectory() + "prune-cli-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    func testTrainThenEvalWithJSONAndMemoryBound() throws {
        try requireData()
        let dir = try tempDir()
        let r = try run(["train", "--model", "lenet300", "--epochs", "1", "--seed", "3", "--out", dir + "/m.safetensors", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let acc = try XCTUnwrap((obj["test"] as? [String: Any])?["accuracy"] as? Double)
        XCTAssertGreaterThan(acc, 0.84)
        let peak = try XCTUnwrap(obj["peakMemoryMiB"] as? Double)
        XCTAssertLessThan(peak, 1024, "training LeNet-300-100 must peak under 1 GiB")
        let e = try run(["eval", "--model", "lenet300", "--weights", dir + "/m.safetensors", "--json"])
        XCTAssertEqual(e.status, 0, e.err)
        let ev = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(e.out.utf8)) as? [String: Any])
        XCTAssertEqual((ev["test"] as? [String: Any])?["accuracy"] as? Double ?? -1, acc, accuracy: 1e-6)
        let state = try Safetensors.read(dir + "/m.safetensors")
        XCTAssertEqual(state.metadata["model"], "lenet300")
    }

    func testBadInputGivesOneClearLine() throws {
        try requireData()
        let dir = try tempDir()
        let wrong = try run(["eval", "--model", "lenet5", "--weights", "/nonexistent.safetensors"])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.err.contains("/nonexistent.safetensors"), wrong.err)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: dir + "/bad.safetensors"))
        let bad = try run(["eval", "--weights", dir + "/bad.safetensors"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("truncated"), bad.err)
        var rng = RandomGenerator(seed: 0)
        try Safetensors.write(LeNet300.make(rng: &rng).stateDict(), to: dir + "/l300.safetensors")
        let mismatch = try run(["eval", "--model", "lenet5", "--weights", dir + "/l300.safetensors"])
        XCTAssertNotEqual(mismatch.status, 0)
        XCTAssertTrue(mismatch.err.contains("missing"), mismatch.err)
        let unknown = try run(["train", "--model", "alexnet", "--epochs", "1"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.err.contains("unknown model 'alexnet'"), unknown.err)
        let noDir = try run(["train", "--epochs", "0", "--out", "/nonexistent-dir/m.safetensors"])
        XCTAssertNotEqual(noDir.status, 0)
        XCTAssertTrue(noDir.err.contains("does not exist"), noDir.err)
    }

    /// The accuracy targets of the foundation: ≥ 89% for LeNet-300-100 and ≥ 91% for the CNN with a
    /// fixed seed. Several minutes on 2 cores, so it runs when PRUNE_FULL_TRAINING=1 (CI sets it).
    func testAccuracyTargetsWithFixedSeed() throws {
        try requireData()
        guard ProcessInfo.processInfo.environment["PRUNE_FULL_TRAINING"] == "1" else {
            print("SKIP testAccuracyTargetsWithFixedSeed: set PRUNE_FULL_TRAINING=1 to run the full training runs (CI does)")
            throw XCTSkip("PRUNE_FULL_TRAINING not set")
        }
        for (model, epochs, target) in [("lenet300", "12", 0.89), ("lenet5", "8", 0.91)] {
            let r = try run(["train", "--model", model, "--epochs", epochs, "--seed", "0", "--json", "--quiet"])
            XCTAssertEqual(r.status, 0, r.err)
            let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            let acc = try XCTUnwrap((obj["test"] as? [String: Any])?["accuracy"] as? Double)
            print("\(model): test accuracy \(acc) after \(epochs) epochs (target \(target))")
            XCTAssertGreaterThanOrEqual(acc, target, model)
        }
    }
}

final class SearchCLITests: XCTestCase {
    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try PruneCLI.run(args) }

    func testConnectFourPositionAndErrors() throws {
        let r = try run(["search", "connect4", "--position", "44455554221", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual(obj["score"] as? Int, -15)
        XCTAssertNotNil(obj["nodes"])
        let weak = try run(["search", "connect4", "--position", "4455", "--weak", "--json"])
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(weak.out.utf8)) as? [String: Any])?["score"] as? Int, 1)
        for bad in ["4444444", "12x", "1212121"] {
            let e = try run(["search", "connect4", "--position", bad])
            XCTAssertNotEqual(e.status, 0)
            XCTAssertTrue(e.err.contains("position \"\(bad)\""), e.err)
        }
        let later = try run(["search", "connect4", "--position", "4455", "--techniques",
                             "alphabeta,order,tt,id,losing,threats,lower,mirror", "--table-mb", "8", "--json"])
        XCTAssertEqual((try JSONSerialization.jsonObject(with: Data(later.out.utf8)) as? [String: Any])?["score"] as? Int, 18)
        let alone = try run(["search", "connect4", "--position", "4455", "--techniques", "alphabeta,threats"])
        XCTAssertNotEqual(alone.status, 0)
        XCTAssertTrue(alone.err.contains("add losing"), alone.err)
    }

    func testConnectFourBenchFileAndTreeComparison() throws {
        let dir = NSTemporaryDirectory() + "prune-c4-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "44455554221 -15\n4455 18\n".write(toFile: dir + "/set.txt", atomically: true, encoding: .utf8)
        let b = try run(["search", "connect4", "--bench", dir + "/set.txt", "--json"])
        XCTAssertEqual(b.status, 0, b.err)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(b.out.utf8)) as? [String: Any])
        XCTAssertEqual(obj["correct"] as? Int, 2)
        try "4455 17\n".write(toFile: dir + "/wrong.txt", atomically: true, encoding: .utf8)
        XCTAssertNotEqual(try run(["search", "connect4", "--bench", dir + "/wrong.txt"]).status, 0, "a wrong expected score fails the bench")
        let t = try run(["search", "tree", "--branching", "3", "--depth", "5", "--seed", "4", "--json"])
        XCTAssertEqual(t.status, 0, t.err)
        let tree = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(t.out.utf8)) as? [String: Any])
        let rows = try XCTUnwrap(tree["rows"] as? [[String: Any]])
        XCTAssertEqual(Set(rows.map { $0["value"] as! Int }).count, 1, "every variant finds the minimax value")
        XCTAssertEqual(rows.first { ($0["variant"] as? String) == "alphabeta+perfect-order" }?["leaves"] as? Int, 9 + 27 - 1)
    }

    /// `bench onnx` with its peer: onnxruntime serves each model from one process kept open and answers
    /// each round's block with its run times, so both columns of the peer are filled, and a run that
    /// finished closed its peers (no onnx_ort.py process left behind).
    func testBenchONNXTimesThePeerInRoundsBetweenPrunesRuns() throws {
        try OnnxRuntimePeer.requireAvailable()
        let r = try run(["bench", "onnx", "--models", "Tests/ONNXTests/Fixtures/cnn.onnx", "--batch", "2",
                         "--repeats", "4", "--json", "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        let rows = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [[String: Any]], r.out)
        let row = try XCTUnwrap(rows.first)
        for key in ["pruneDense", "prunePruned", "ortDense", "ortPruned"] {
            let seconds = try XCTUnwrap(row[key] as? Double, "\(key) missing: \(row)")
            XCTAssertGreaterThan(seconds, 0, key)
            XCTAssertLessThan(seconds, 10, key)
        }
        // The ratios: one per round (4 repeats, 4 rounds), each Prune's median over the peer's; the column the
        // median of those (the middle two's mean).
        for side in ["Dense", "Pruned"] {
            let perRound = try XCTUnwrap(row["roundRatios" + side] as? [Double], "\(row)")
            XCTAssertEqual(perRound.count, 4, side)
            XCTAssertTrue(perRound.allSatisfy { $0 > 0 && $0.isFinite }, "\(perRound)")
            let sorted = perRound.sorted(), ratio = try XCTUnwrap(row["ratio" + side] as? Double, "\(row)")
            XCTAssertEqual(ratio, (sorted[1] + sorted[2]) / 2, accuracy: 1e-12, side)
        }
        #if os(Linux)
        let processes = try FileManager.default.contentsOfDirectory(atPath: "/proc").filter { Int($0) != nil }
        let left = processes.filter { pid in
            let line = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
            return String(decoding: line, as: UTF8.self).contains("onnx_ort.py")
        }
        XCTAssertEqual(left, [], "peer processes left running")
        #endif
    }

    func testBenchONNXRefusesANegativeNodeCountBeforeRunning() throws {
        let r = try run(["bench", "onnx", "--profile", "--profile-nodes", "-1", "--no-onnxruntime"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("--profile-nodes must be 0 or more"), r.err)
    }
}
