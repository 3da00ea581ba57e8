import Foundation
import XCTest
import TestSupport

/// End-to-end tests of `prune tree`.
final class TreeCLITests: XCTestCase {
    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try PruneCLI.run(args) }

    func temporaryDirectory() throws -> String { try PruneCLI.temporaryDirectory("prune-tree") }

    func testEveryMethodReportsSizeAndAccuracyBeforeAndAfter() throws {
        for method in ["none", "ccp", "rep", "ebp", "pep"] {
            let r = try run(["tree", "--data", "breast-cancer", "--method", method, "--json"])
            XCTAssertEqual(r.status, 0, r.err)
            let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
            let before = try XCTUnwrap(obj["before"] as? [String: Any]), after = try XCTUnwrap(obj["after"] as? [String: Any])
            let leavesBefore = try XCTUnwrap(before["leaves"] as? Int), leavesAfter = try XCTUnwrap(after["leaves"] as? Int)
            if method == "none" { XCTAssertEqual(leavesAfter, leavesBefore) } else { XCTAssertLessThan(leavesAfter, leavesBefore, method) }
            XCTAssertGreaterThan(try XCTUnwrap(after["testScore"] as? Double), 0.85, method)
        }
    }

    func testCSVFileDotPathAndOneStandardErrorRule() throws {
        let dir = try temporaryDirectory()
        var csv = "width,height,kind\n"
        for i in 0..<60 { csv += "\(i % 10),\(i / 10),\(i % 10 < 5 ? "small" : "large")\n" }
        try csv.write(toFile: dir + "/shapes.csv", atomically: true, encoding: .utf8)
        let r = try run(["tree", "--data", dir + "/shapes.csv", "--target", "kind", "--method", "ccp", "--select", "1se",
                         "--path", "--dot", dir + "/t.dot", "--print-tree", "--test-fraction", "0"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("cost-complexity path"), r.out)
        XCTAssertTrue(r.out.contains("|--- width <= 4.5"), r.out)
        let dot = try String(contentsOfFile: dir + "/t.dot", encoding: .utf8)
        XCTAssertTrue(dot.hasPrefix("digraph Tree {"))
        let cv = try run(["tree", "--data", "iris", "--method", "pep", "--cv", "5", "--json"])
        XCTAssertEqual(cv.status, 0, cv.err)
        XCTAssertNotNil((try JSONSerialization.jsonObject(with: Data(cv.out.utf8)) as? [String: Any])?["after"])
    }

    func testFashionMNISTPooledTable() throws {
        try PruneCLI.requireFashionMNIST()
        let r = try run(["tree", "--data", "fashion-mnist-7x7", "--rows", "3000", "--method", "rep", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        XCTAssertEqual(obj["rows"] as? Int, 3000)
        XCTAssertEqual(obj["features"] as? Int, 49)
        let after = try XCTUnwrap(obj["after"] as? [String: Any])
        XCTAssertGreaterThan(try XCTUnwrap(after["testScore"] as? Double), 0.6)
    }

    func testBadCSVInputGivesAClearError() throws {
        let dir = try temporaryDirectory()
        let cases: [(String, String, String)] = [
            ("a,b,y\n1,2,p\n3,4,q\n", "z", "no column named \"z\""),
            ("a,b,y\n1,2,p\n3,x4,q\n", "y", "line 3, column \"b\": \"x4\" is not a number"),
            ("", "y", "empty"),
            ("a,b,y\n1,2,p\n3,4,p\n", "y", "single class"),
            ("a,b,y\n1,2,p\n3,4\n", "y", "line 3: the row has 2 cells, the header has 3"),
        ]
        for (i, (text, target, message)) in cases.enumerated() {
            let path = dir + "/bad\(i).csv"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            let r = try run(["tree", "--data", path, "--target", target])
            XCTAssertNotEqual(r.status, 0, text)
            XCTAssertTrue(r.err.contains(message), "expected \(message) in: \(r.err)")
            XCTAssertFalse(r.err.contains("Fatal error"), r.err)
        }
        let regression = try run(["tree", "--data", "diabetes", "--method", "ebp"])
        XCTAssertNotEqual(regression.status, 0)
        XCTAssertTrue(regression.err.contains("classification trees only"), regression.err)
    }

    /// The live peer check: scikit-learn's cost-complexity path on the same data (the test set-up installs
    /// scikit-learn; the test fails without it).
    func testCostComplexityPathParityScriptAgainstScikitLearn() throws {
        let binary = try PruneCLI.requireBinary()
        try requirePythonModules(["sklearn", "numpy"])
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/parity/ccp_path_parity.py").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, "--prune", binary]
        let o = Pipe()
        p.standardOutput = o
        p.standardError = o
        try p.run()
        let out = String(decoding: o.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, out)
        XCTAssertTrue(out.contains("parity: OK"), out)
    }
}
