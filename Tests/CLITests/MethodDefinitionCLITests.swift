import Foundation
import PruneModelIO
import XCTest

/// Methods as their papers define them, end to end: SNIP as pruning at initialization, Wanda's
/// per-row comparison, and Connect-Four benchmark files in Pons's format.
final class MethodDefinitionCLITests: XCTestCase {
    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try PruneCLI.run(args) }

    func temporaryDirectory() throws -> String { try PruneCLI.temporaryDirectory("prune-methods") }

    func testSNIPPrunesAtInitializationThenTrainsTheSparseNetwork() throws {
        try PruneCLI.requireFashionMNIST()
        let dir = try temporaryDirectory()
        let out = dir + "/snip.safetensors"
        let r = try run(["train", "--model", "lenet300", "--prune-at-init", "snip", "--sparsity", "0.9",
                         "--epochs", "1", "--train-limit", "3000", "--test-limit", "1000", "--seed", "2",
                         "--out", out, "--json", "--quiet"])
        XCTAssertEqual(r.status, 0, r.err)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual(report["pruneAtInit"] as? String, "snip")
        let accuracy = try XCTUnwrap((report["test"] as? [String: Any])?["accuracy"] as? Double)
        // 47 Adam steps on 3,000 images: the sparse network learns (chance is 10%; 56% measured).
        XCTAssertGreaterThan(accuracy, 0.4, "a 90%-sparse LeNet-300-100 still learns in one epoch")
        XCTAssertEqual(try PruneCLI.lenet300ZeroFraction(out), 0.9, accuracy: 0.001, "the masks survive training and are saved")
    }

    func testSNIPOnATrainedModelAndWandaGloballyAreClearErrors() throws {
        let half = try run(["train", "--prune-at-init", "snip", "--epochs", "0"])
        XCTAssertNotEqual(half.status, 0)
        XCTAssertTrue(half.err.contains("--sparsity"), half.err)
        try PruneCLI.requireFashionMNIST()
        let dir = try temporaryDirectory()
        let weights = dir + "/init.safetensors"
        let t = try run(["train", "--model", "lenet300", "--epochs", "0", "--train-limit", "100", "--test-limit", "100",
                         "--out", weights, "--quiet"])
        XCTAssertEqual(t.status, 0, t.err)
        let common = ["--model", "lenet300", "--weights", weights, "--sparsity", "0.5", "--train-limit", "500",
                      "--test-limit", "200", "--finetune-epochs", "0"]
        let snip = try run(["prune", "--criterion", "snip"] + common)
        XCTAssertNotEqual(snip.status, 0)
        XCTAssertTrue(snip.err.contains("--prune-at-init snip"), snip.err)
        let wanda = try run(["prune", "--criterion", "wanda", "--scope", "global"] + common)
        XCTAssertNotEqual(wanda.status, 0)
        XCTAssertTrue(wanda.err.contains("within each output row"), wanda.err)
    }

    func testBenchSearchSolvesEveryPositionOfAFileAndRejectsAWrongScore() throws {
        let dir = try temporaryDirectory()
        // The first three End-Easy positions of Pons's Test_L3_R1 with their scores.
        let lines = ["2252576253462244111563365343671351441 -1", "7422341735647741166133573473242566 1",
                     "23163416124767223154467471272416755633 0"]
        try (lines.joined(separator: "\n") + "\n").write(toFile: dir + "/mine.txt", atomically: true, encoding: .utf8)
        let ok = try run(["bench", "search", "--sets", dir, "--json"])
        XCTAssertEqual(ok.status, 0, ok.err)
        let cells = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(ok.out.utf8)) as? [[String: Any]])
        let solved = cells.compactMap { $0["result"] as? [String: Any] }
        XCTAssertEqual(solved.count, 1, "a file that is not one of Pons's runs the full solver only")
        XCTAssertEqual(solved.first?["positions"] as? Int, 3)
        XCTAssertEqual(solved.first?["wrongScores"] as? Int, 0)
        try "2252576253462244111563365343671351441 5\n".write(toFile: dir + "/mine.txt", atomically: true,
                                                               encoding: .utf8)
        let wrong = try run(["bench", "search", "--sets", dir])
        XCTAssertNotEqual(wrong.status, 0)
        XCTAssertTrue(wrong.err.contains("wrong scores"), wrong.err)
        let missing = try run(["bench", "search", "--sets", dir + "/nope"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.err.contains("cannot read the folder"), missing.err)
    }
}
