import Foundation
import XCTest

/// `prune sensitivity` end to end on Fashion-MNIST: the dense baseline is `prune eval`'s accuracy, every
/// layer has a curve, the allocation follows the curves, the plot is written, and bad knobs are errors.
final class SensitivityCLITests: XCTestCase {
    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try PruneCLI.run(args) }

    func testCurvesBaselineAllocationAndPlot() throws {
        try PruneCLI.requireFashionMNIST()
        let dir = try PruneCLI.temporaryDirectory("prune-sensitivity")
        let weights = try PruneCLI.trainSmallLeNet300(in: dir), plot = dir + "/s.svg"
        let limits = ["--train-limit", "4000", "--test-limit", "500"]
        let e = try run(["eval", "--model", "lenet300", "--weights", weights, "--json"] + limits)
        XCTAssertEqual(e.status, 0, e.err)
        let eval = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(e.out.utf8)) as? [String: Any])
        let dense = try XCTUnwrap((eval["test"] as? [String: Any])?["accuracy"] as? Double)
        let r = try run(["sensitivity", "--model", "lenet300", "--weights", weights, "--sparsities", "0.5,0.9,0.99",
                         "--max-drop", "0.02", "--plot", plot, "--json", "--quiet", "--report", dir + "/s.html"]
                        + limits)
        XCTAssertEqual(r.status, 0, r.err)
        let out = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let plain = try XCTUnwrap((out["report"] as? [String: Any])?["plain"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(plain["baseline"] as? Double), dense, accuracy: 1e-6)
        let curves = try XCTUnwrap(plain["curves"] as? [[String: Any]])
        XCTAssertEqual(curves.compactMap { $0["layer"] as? String }, ["fc1.weight", "fc2.weight", "fc3.weight"])
        let allocation = try XCTUnwrap(out["allocation"] as? [String: Double])
        for c in curves {
            let points = try XCTUnwrap(c["points"] as? [[String: Double]])
            XCTAssertEqual(points.map { $0["sparsity"]! }, [0.5, 0.9, 0.99])
            // Leaving 1% of a layer costs more than 2 points on every layer of LeNet-300-100.
            XCTAssertLessThan(points[2]["metric"]!, dense - 0.02, "\(c["layer"]!)")
            let ok = points.prefix { dense - $0["metric"]! <= 0.02 }
            XCTAssertEqual(allocation[c["layer"] as! String], ok.last?["sparsity"] ?? 0)
        }
        XCTAssertNil((out["report"] as? [String: Any])?["recalibrated"] as? [String: Any], "no BatchNorm")
        let svg = try String(contentsOfFile: plot, encoding: .utf8)
        XCTAssertTrue(svg.contains("<svg") && svg.contains("fc3.weight"))
        let page = try String(contentsOfFile: dir + "/s.html", encoding: .utf8)
        XCTAssertTrue(page.contains("<svg") && page.contains("<td>fc3.weight</td>") && page.contains("2.00-point drop"))
        for (args, needle) in [(["--sparsities", "0.5,1.5"], "1.5"), (["--criterion", "wanda"], "calibration"),
                               (["--max-drop", "-1"], "--max-drop")] {
            let bad = try run(["sensitivity", "--weights", weights] + args + limits)
            XCTAssertNotEqual(bad.status, 0)
            XCTAssertTrue(bad.err.contains(needle), bad.err)
        }
        let missing = try run(["sensitivity", "--weights", dir + "/none.safetensors"] + limits)
        XCTAssertTrue(missing.status != 0 && missing.err.contains("none.safetensors"), missing.err)
    }

    func testGroupCurvesRemoveChannelsPerDependencyGroup() throws {
        try PruneCLI.requireFashionMNIST()
        let dir = try PruneCLI.temporaryDirectory("prune-sensitivity-groups")
        let weights = try PruneCLI.trainSmallLeNet300(in: dir)
        let limits = ["--train-limit", "4000", "--test-limit", "500"]
        let r = try run(["sensitivity", "--model", "lenet300", "--weights", weights, "--groups", "--sparsities",
                         "0.5,0.95", "--json", "--quiet"] + limits)
        XCTAssertEqual(r.status, 0, r.err)
        let out = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let report = try XCTUnwrap(out["report"] as? [String: Any])
        XCTAssertEqual(report["unit"] as? String, "group")
        XCTAssertEqual(report["criterion"] as? String, "l2")
        let plain = try XCTUnwrap(report["plain"] as? [String: Any])
        let curves = try XCTUnwrap(plain["curves"] as? [[String: Any]])
        XCTAssertEqual(curves.compactMap { $0["layer"] as? String }, ["fc1", "fc2"])
        XCTAssertEqual(curves.compactMap { $0["weights"] as? Int }, [300, 100], "a group's curve counts its channels")
        let baseline = try XCTUnwrap(plain["baseline"] as? Double)
        for c in curves {
            let points = try XCTUnwrap(c["points"] as? [[String: Double]])
            XCTAssertEqual(points.map { $0["sparsity"]! }, [0.5, 0.95])
            XCTAssertLessThan(points[1]["metric"]!, baseline, "removing 95% of \(c["layer"]!)'s units costs accuracy")
        }
        let bad = try run(["sensitivity", "--weights", weights, "--groups", "--criterion", "taylor"] + limits)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("calibration data"), bad.err)
    }
}
