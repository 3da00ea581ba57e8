import Foundation
import XCTest

/// `prune prune --max-drop`: the bisection's trials are real pruning runs, the answer is the highest
/// passing trial, and its model is the one saved.
final class AccuracyTargetCLITests: XCTestCase {
    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try PruneCLI.run(args) }

    func testTheSearchSavesTheHighestPassingTrial() throws {
        try PruneCLI.requireFashionMNIST()
        let dir = try PruneCLI.temporaryDirectory("prune-max-drop")
        let weights = try PruneCLI.trainSmallLeNet300(in: dir), out = dir + "/best.safetensors"
        let limits = ["--train-limit", "4000", "--test-limit", "1000"]
        let r = try run(["prune", "--model", "lenet300", "--weights", weights, "--criterion", "magnitude",
                         "--finetune-epochs", "1", "--max-drop", "0.01", "--search-tolerance", "0.05", "--out", out,
                         "--json", "--quiet"] + limits)
        XCTAssertEqual(r.status, 0, r.err)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let trials = try XCTUnwrap(report["trials"] as? [[String: Any]])
        XCTAssertEqual(trials.first?["sparsity"] as? Double, 0.99)
        let best = try XCTUnwrap(report["best"] as? [String: Any])
        let dense = try XCTUnwrap(best["accuracyDense"] as? Double)
        let reached = try XCTUnwrap(best["scopeSparsity"] as? Double)
        let passing = trials.filter { $0["passed"] as? Bool == true }.compactMap { $0["sparsity"] as? Double }
        XCTAssertEqual(reached, try XCTUnwrap(passing.max()), accuracy: 1e-4)
        for trial in trials {
            let metric = try XCTUnwrap(trial["metric"] as? Double)
            XCTAssertEqual(trial["passed"] as? Bool, dense - metric <= 0.01, "\(trial)")
        }
        let failing = trials.filter { $0["passed"] as? Bool == false }.compactMap { $0["sparsity"] as? Double }
        XCTAssertLessThanOrEqual(try XCTUnwrap(failing.min()) - reached, 0.05 + 1e-9, "bracketed to the tolerance")
        XCTAssertEqual(try PruneCLI.lenet300ZeroFraction(out), reached, accuracy: 1e-3, "the best trial is saved")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + ".candidate.safetensors"))
        let bad = try run(["prune", "--model", "lenet300", "--weights", weights, "--max-drop", "0.01",
                           "--search-up-to", "1"] + limits)
        XCTAssertTrue(bad.status != 0 && bad.err.contains("upper"), bad.err)
    }
}
