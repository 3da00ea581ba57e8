import Foundation
import XCTest
import TestSupport

/// `prune oneshot` end to end on all-MiniLM-L6-v2 (skipped, with the reason, when it is not downloaded).
final class OneShotCLITests: XCTestCase {
    var modelDir: String {
        let cache = ProcessInfo.processInfo.environment["PRUNE_CACHE"] ?? (NSHomeDirectory() + "/.cache/prune")
        return ProcessInfo.processInfo.environment["PRUNE_MINILM_DIR"] ?? cache + "/all-MiniLM-L6-v2"
    }
    var textFile: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("data/text/python-reference-sentences.txt").path
    }

    func requireModel() throws {
        guard FileManager.default.fileExists(atPath: modelDir + "/model.safetensors") else {
            throw MissingTestInput("all-MiniLM-L6-v2 in \(modelDir) (scripts/fetch-minilm.sh)")
        }
    }

    func testOneShotPrunesSavesAndReports() throws {
        try requireModel()
        let out = NSTemporaryDirectory() + "prune-oneshot-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try PruneCLI.run(["oneshot", "--model", modelDir, "--text", textFile, "--method", "sparsegpt", "--pattern", "2:4",
                                  "--remove-heads", "6", "--head-importance", "output-norm", "--remove-blocks", "1",
                                  "--calibration-count", "16", "--eval-count", "40", "--queries", "8", "--out", out, "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual(obj["method"] as? String, "sparsegpt")
        XCTAssertEqual((obj["removedBlocks"] as? [Int])?.count, 1)
        XCTAssertEqual((obj["headsPerLayer"] as? [Int])?.reduce(0, +), 54)
        XCTAssertEqual(try XCTUnwrap(obj["encoderLinearSparsity"] as? Double), 0.5, accuracy: 0.001)
        XCTAssertLessThan(try XCTUnwrap(obj["parametersAfter"] as? Int), try XCTUnwrap(obj["parametersBefore"] as? Int))
        let fidelity = try XCTUnwrap(obj["fidelity"] as? [String: Any])
        XCTAssertGreaterThan(try XCTUnwrap(fidelity["meanCosine"] as? Double), 0.5)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/model.safetensors"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/vocab.txt"))
    }

    func testOneShotErrorsAreOneClearLine() throws {
        let missing = try PruneCLI.run(["oneshot", "--model", "/nonexistent/minilm"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.err.contains("fetch-minilm.sh"), missing.err)
        try requireModel()
        let overwrite = try PruneCLI.run(["oneshot", "--model", modelDir, "--text", textFile, "--calibration-count", "4", "--eval-count", "4",
                                          "--sparsity", "0.1", "--out", modelDir])
        XCTAssertNotEqual(overwrite.status, 0)
        XCTAssertTrue(overwrite.err.contains("overwrite the input"), overwrite.err)
        let badPattern = try PruneCLI.run(["oneshot", "--model", modelDir, "--pattern", "block4x4"])
        XCTAssertNotEqual(badPattern.status, 0)
        XCTAssertTrue(badPattern.err.contains("unstructured and N:M"), badPattern.err)
    }
}
