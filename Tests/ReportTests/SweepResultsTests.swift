import XCTest
@testable import Prune

/// Merged sweep results: the seed average and its spread, the Pareto front, the tables, and the HTML
/// page they make, checked against values worked out by hand.
final class SweepResultsTests: XCTestCase {
    func cell(_ method: String, _ sparsity: String, _ seed: String, accuracy: Double, measured: Double,
              macs: Double) -> SweepCellResult {
        let labels = [SweepCell.Label(axis: "method", value: method),
                      SweepCell.Label(axis: "prune.sparsity", value: sparsity),
                      SweepCell.Label(axis: "seed", value: seed)]
        return SweepCellResult(key: SweepCell.key(labels), labels: labels, recipe: "",
                               metrics: SweepMetrics(accuracy: accuracy, sparsity: measured, macsLeft: macs),
                               seconds: 2, pruning: nil)
    }

    /// Method a: (MACs 0.5, acc 0.90), (0.3, 0.85); method b: (0.4, 0.80) and (0.5, 0.88) are dominated.
    var results: SweepResults {
        SweepResults(axes: ["method", "prune.sparsity", "seed"], cells: [
            cell("a", "0.5", "0", accuracy: 0.89, measured: 0.5, macs: 0.5),
            cell("a", "0.5", "1", accuracy: 0.91, measured: 0.5, macs: 0.5),
            cell("a", "0.7", "0", accuracy: 0.85, measured: 0.7, macs: 0.3),
            cell("a", "0.7", "1", accuracy: 0.85, measured: 0.7, macs: 0.3),
            cell("b", "0.5", "0", accuracy: 0.88, measured: 0.5, macs: 0.5),
            cell("b", "0.5", "1", accuracy: 0.88, measured: 0.5, macs: 0.5),
            cell("b", "0.6", "0", accuracy: 0.78, measured: 0.6, macs: 0.4),
            cell("b", "0.6", "1", accuracy: 0.82, measured: 0.6, macs: 0.4)], missing: [])
    }

    func testGroupsAverageOverSeeds() throws {
        let r = results
        XCTAssertEqual(r.seedAxes, ["seed"])
        let groups = r.groups
        XCTAssertEqual(groups.count, 4)
        XCTAssertEqual(groups[0].labels.map(\.value), ["a", "0.5"])
        XCTAssertEqual(groups[0].accuracy.mean, 0.90, accuracy: 1e-12)
        // Sample standard deviation of {0.89, 0.91}: sqrt(2 · 0.01² / 1).
        XCTAssertEqual(groups[0].accuracy.std, (2 * 0.0001).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(groups[1].accuracy.std, 0, accuracy: 1e-12)
        XCTAssertEqual(SweepGroup.meanStd([1, 2, 3, 4]).std, (5.0 / 3).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(SweepGroup.meanStd([]).mean, 0)
        let summary = r.summaryTable().split(separator: "\n")
        XCTAssertEqual(summary[0], "| method | prune.sparsity | runs | pruned % | final % | sparsity % | params left % "
                       + "| MACs left % | energy left % (est.) | s per run |")
        XCTAssertEqual(summary[2], "| a | 0.5 | 2 | – | 90.00 ± 1.41 | 50.00 | – | 50.00 | – | 2.0 |")
    }

    func testParetoFrontKeepsOnlyUndominatedGroups() {
        let front = results.paretoFront { $0.macsLeft }
        XCTAssertEqual(front.map { $0.labels.map(\.value) }, [["a", "0.7"], ["a", "0.5"]])
        let bySparsity = results.paretoFront { 1 - $0.sparsity }
        XCTAssertEqual(bySparsity.first?.labels.map(\.value), ["a", "0.7"], "the sparsest undominated group first")
    }

    func testPlotsAndPage() throws {
        let r = results
        let plot = r.accuracyPlot()
        XCTAssertEqual(plot.series.map(\.name), ["a", "b"], "one line per method; the target is the x axis")
        XCTAssertEqual(plot.series[0].points.map(\.x), [50, 70])
        XCTAssertEqual(plot.series[0].points[0].y, 90, accuracy: 1e-9)
        let macs = try XCTUnwrap(r.macsPlot())
        XCTAssertEqual(macs.series.last?.name, "Pareto front")
        XCTAssertEqual(macs.series.last?.points.map(\.x), [30, 50])
        let html = r.htmlReport(title: "T <&>").html()
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(html.contains("<title>T &lt;&amp;&gt;</title>"))
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 2)
        XCTAssertEqual(html.components(separatedBy: "<table").count - 1, 2)
        XCTAssertTrue(html.contains("<td>90.00 ± 1.41</td>"))
        XCTAssertFalse(html.contains("src=") || html.contains("href="), "self-contained: nothing to fetch")
    }

    func testMarkdownTableBlock() {
        guard case .table(let header, let rows) = HTMLReport.table(markdown: "| a | b |\n| --- | --- |\n| 1 | x y |")
        else { return XCTFail("not a table") }
        XCTAssertEqual(header, ["a", "b"])
        XCTAssertEqual(rows, [["1", "x y"]])
    }

    func testResultFilesRoundTripAndAreByteStable() throws {
        let r = results
        let data = try r.encoded()
        let dir = NSTemporaryDirectory() + "sweep-results-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try data.write(to: URL(fileURLWithPath: dir + "/results.json"))
        let back = try SweepResults.read(dir + "/results.json")
        XCTAssertEqual(try back.encoded(), data)
        XCTAssertEqual(back.cells.map(\.key), r.cells.map(\.key))
        let page = try ResultPage.page(for: data, name: "results.json")
        XCTAssertTrue(page.title.contains("sweep"))
        XCTAssertThrowsError(try ResultPage.page(for: Data("{\"x\": 1}".utf8), name: "x.json")) { e in
            XCTAssertTrue("\(e)".contains("not a result"))
        }
    }
}
