import Foundation
import TestSupport
import XCTest

/// `prune sweep` end to end on Fashion-MNIST: three shards run as concurrent processes merge into the
/// same results as one process; a sweep killed mid-way resumes without redoing its finished cells;
/// merging refuses missing cells; the HTML report opens in headless Chromium with its plots.
final class SweepCLITests: XCTestCase {
    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try PruneCLI.run(args) }

    /// A 2 × 2 × 2 grid on a small LeNet-300-100, one fine-tuning epoch on 2,000 images per cell.
    func writeGrid(in dir: String, weights: String, out: String) throws -> String {
        let path = dir + "/grid-\(UUID().uuidString.prefix(8)).yaml"
        try """
            base:
              model: lenet300
              weights: \(weights)
              train_limit: 2000
              test_limit: 500
              prune: {criterion: magnitude, scope: global, sparsity: 0.5}
              finetune: {epochs: 1}
            grid:
              method:
                - {name: global-magnitude, prune.scope: global}
                - {name: layer-random, prune.criterion: random, prune.scope: layerwise}
              prune.sparsity: [0.5, 0.9]
              seed: [0, 1]
            out: \(out)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Cell key → (final accuracy, sparsity, MACs left) from a merged results.json.
    func metrics(_ folder: String) throws -> [String: [Double]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/results.json"))
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        var out: [String: [Double]] = [:]
        for cell in try XCTUnwrap(root["cells"] as? [[String: Any]]) {
            let m = try XCTUnwrap(cell["metrics"] as? [String: Any])
            out[try XCTUnwrap(cell["key"] as? String)] = [m["accuracy"], m["sparsity"], m["macsLeft"]]
                .map { ($0 as? Double) ?? -1 }
        }
        return out
    }

    func testShardsMergeToTheSingleProcessResultAndAKilledSweepResumes() throws {
        let dir = try PruneCLI.temporaryDirectory("prune-sweep")
        let weights = try PruneCLI.trainSmallLeNet300(in: dir)
        let single = try writeGrid(in: dir, weights: weights, out: dir + "/single")
        let r = try run(["sweep", single, "--threads", "1"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("8 of 8 cells; 0 already finished, 8 to run"), r.out)
        let m = try run(["sweep", "merge", single])
        XCTAssertEqual(m.status, 0, m.err)
        let reference = try metrics(dir + "/single")
        XCTAssertEqual(reference.count, 8)
        for (key, v) in reference where key.contains("prune.sparsity=0.9") {
            XCTAssertEqual(v[1], 0.9, accuracy: 0.01, key)
        }

        let sharded = try writeGrid(in: dir, weights: weights, out: dir + "/sharded")
        let shards = try (0..<3).map { i in
            try startProcess(["sweep", sharded, "--shard", "\(i)/3", "--threads", "1"])
        }
        for p in shards { p.waitUntilExit(); XCTAssertEqual(p.terminationStatus, 0) }
        XCTAssertEqual(try run(["sweep", "merge", sharded]).status, 0)
        XCTAssertEqual(try metrics(dir + "/sharded"), reference, "three shards give the single process's results")

        let killed = try writeGrid(in: dir, weights: weights, out: dir + "/killed")
        let p = try startProcess(["sweep", killed, "--threads", "1"])
        let deadline = Date().addingTimeInterval(600)
        while cellCount(dir + "/killed") < 2 && p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let done = cellCount(dir + "/killed")
        XCTAssertTrue(done >= 2 && done < 8, "killed after \(done) cells")
        let resumed = try run(["sweep", killed, "--threads", "1"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertTrue(resumed.out.contains("\(done) already finished, \(8 - done) to run"), resumed.out)
        XCTAssertEqual(try run(["sweep", "merge", killed]).status, 0)
        XCTAssertEqual(try metrics(dir + "/killed"), reference, "the resumed sweep gives the same results")
        let again = try run(["sweep", killed])
        XCTAssertTrue(again.out.contains("8 already finished, 0 to run"), again.out)

        // SIGTERM once the first cell has checkpointed: that cell saves its fine-tuning position, the sweep
        // exits 143, and running it again continues the cell and gives the same results.
        let stopped = try writeGrid(in: dir, weights: weights, out: dir + "/stopped")
        let q = try startProcess(["sweep", stopped, "--threads", "1"], stderr: true)
        while checkpointCount(dir + "/stopped") == 0 && q.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        kill(q.processIdentifier, SIGTERM)
        let message = String(decoding: (q.standardError as! Pipe).fileHandleForReading.readDataToEndOfFile(),
                             as: UTF8.self)
        q.waitUntilExit()
        XCTAssertEqual(q.terminationStatus, 143, message)
        XCTAssertTrue(message.contains("stopped on request") && message.contains("running the same shard again"),
                      message)
        XCTAssertEqual(checkpointCount(dir + "/stopped"), 1)
        XCTAssertEqual(try run(["sweep", stopped, "--threads", "1"]).status, 0)
        XCTAssertEqual(try run(["sweep", "merge", stopped]).status, 0)
        XCTAssertEqual(try metrics(dir + "/stopped"), reference, "the stopped sweep gives the same results")
    }

    func checkpointCount(_ folder: String) -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder + "/cells")) ?? [])
            .filter { $0.hasSuffix(".resume") }.count
    }

    func testMergeRefusesMissingCellsAndBadInputsAreErrors() throws {
        let dir = try PruneCLI.temporaryDirectory("prune-sweep-errors")
        let weights = try PruneCLI.trainSmallLeNet300(in: dir)
        let grid = try writeGrid(in: dir, weights: weights, out: dir + "/s")
        XCTAssertEqual(try run(["sweep", grid, "--shard", "0/4", "--quiet"]).status, 0)
        let merge = try run(["sweep", "merge", grid])
        XCTAssertNotEqual(merge.status, 0)
        XCTAssertTrue(merge.err.contains("6 of 8 cells have no result yet"), merge.err)
        let partial = try run(["sweep", "merge", grid, "--allow-missing"])
        XCTAssertEqual(partial.status, 0, partial.err)
        XCTAssertTrue(partial.err.contains("6 cells have no result yet"), partial.err)
        let dry = try run(["sweep", grid, "--shard", "1/4", "--dry-run"])
        XCTAssertEqual(dry.out.split(separator: "\n").filter { $0.hasPrefix("todo") }.count, 2, dry.out)
        for (args, needle) in [(["sweep", grid, "--shard", "4/4"], "0 ≤ i < N"),
                               (["sweep", dir + "/none.yaml"], "none.yaml"),
                               (["report", dir + "/none.json", "--html", dir + "/r.html"], "none.json"),
                               (["report", grid, "--html", dir + "/r.html"], "not a result")] {
            let bad = try run(args)
            XCTAssertNotEqual(bad.status, 0, args.joined(separator: " "))
            XCTAssertTrue(bad.err.contains(needle), bad.err)
        }
        try "base: {model: lenet300}\ngrid: {prune.sparsity: [0.5, 2]}\n".write(toFile: dir + "/bad.yaml",
                                                                             atomically: true, encoding: .utf8)
        let bad = try run(["sweep", dir + "/bad.yaml"])
        XCTAssertTrue(bad.status != 0 && bad.err.contains("cell prune.sparsity=2"), bad.err)
    }

    /// The report of a merged sweep loads in Debian's Chromium (headless) without console messages,
    /// its plots are in the rendered page, and a screenshot is written.
    func testSweepReportOpensInHeadlessChromium() throws {
        let chromium = try requireChromium()
        let dir = try PruneCLI.temporaryDirectory("prune-sweep-report")
        let weights = try PruneCLI.trainSmallLeNet300(in: dir)
        let grid = try writeGrid(in: dir, weights: weights, out: dir + "/s")
        XCTAssertEqual(try run(["sweep", grid, "--quiet"]).status, 0)
        XCTAssertEqual(try run(["sweep", "merge", grid, "--quiet"]).status, 0)
        let page = dir + "/s/report.html", again = dir + "/again.html"
        let r = try run(["report", dir + "/s/results.json", "--html", again])
        XCTAssertEqual(r.status, 0, r.err)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        XCTAssertFalse(html.contains("http://") && !html.contains("http://www.w3.org/2000/svg"), "no network")
        let shot = dir + "/shot.png"
        let (dom, log) = try headless(chromium, page, screenshot: shot)
        XCTAssertFalse(log.contains(":CONSOLE"), "console messages: \(log)")
        XCTAssertGreaterThanOrEqual(dom.components(separatedBy: "<svg").count - 1, 3, "accuracy, MACs, bars")
        XCTAssertGreaterThanOrEqual(dom.components(separatedBy: "<circle").count - 1, 8, "one marker per point")
        XCTAssertTrue(dom.contains("Pareto front") && dom.contains("layer-random"))
        let png = try Data(contentsOf: URL(fileURLWithPath: shot))
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        XCTAssertGreaterThan(png.count, 20_000, "a screenshot with plots, not a blank page")
    }

    func requireChromium() throws -> String {
        for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
            where FileManager.default.isExecutableFile(atPath: path) { return path }
        throw MissingTestInput("Chromium (Debian chromium), for the HTML report test")
    }

    /// Loads `page` in headless Chromium twice: the rendered DOM, and a screenshot with the console log.
    func headless(_ chromium: String, _ page: String, screenshot: String) throws -> (dom: String, log: String) {
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                      "--window-size=1200,2400"]
        let dom = try PruneCLI.capture(chromium, common + ["--dump-dom", "file://" + page])
        let shot = try PruneCLI.capture(chromium, common + ["--screenshot=" + screenshot, "file://" + page])
        return (dom.out, dom.err + shot.err)
    }

    /// The binary started with `args`; its standard error in a `Pipe` when `stderr`, else discarded.
    func startProcess(_ args: [String], stderr: Bool = false) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try PruneCLI.requireBinary())
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = stderr ? Pipe() : FileHandle.nullDevice
        try p.run()
        return p
    }

    func cellCount(_ folder: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/cells")) ?? []
        return names.filter { $0.hasSuffix(".json") }.count
    }
}
