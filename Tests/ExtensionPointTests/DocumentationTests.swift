import Foundation
import XCTest

/// The documentation catalog's extension-point articles show the very code this test target
/// compiles and runs: each article's first Swift block must equal its file here.
final class DocumentationTests: XCTestCase {
    private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

    private func swiftBlocks(_ article: String) throws -> [String] {
        let url = root.appendingPathComponent("../../Sources/Prune/Prune.docc/\(article).md").standardized
        let text = try String(contentsOf: url, encoding: .utf8)
        var blocks: [String] = [], current: [String]?
        for line in text.components(separatedBy: "\n") {
            if current == nil, line == "```swift" { current = [] } else if line == "```", let c = current {
                blocks.append(c.joined(separator: "\n")); current = nil
            } else { current?.append(line) }
        }
        return blocks
    }

    func testEveryExtensionArticleShowsTheCompiledFileUnder40Lines() throws {
        let pairs = ["AddingACriterion": "RowDeviationImportance", "AddingALayer": "GainLinear",
                     "AddingASchedule": "TwoStepSchedule", "AddingACalibrationNeed": "PeakActivations",
                     "AddingASearchBudget": "ConvolutionWeightCost", "AddingALatencyEngine": "FastestRunLatency",
                     "ExportingALayerToONNX": "GainLinear+ONNX"]
        for (article, file) in pairs {
            let source = try String(contentsOf: root.appendingPathComponent("\(file).swift"), encoding: .utf8)
            let block = try XCTUnwrap(try swiftBlocks(article).first, article)
            XCTAssertEqual(block.trimmingCharacters(in: .whitespacesAndNewlines),
                           source.trimmingCharacters(in: .whitespacesAndNewlines), "\(article) shows \(file).swift")
            XCTAssertLessThan(block.components(separatedBy: "\n").count, 40, article)
        }
    }

    func testTheCatalogLinksEveryArticle() throws {
        let url = root.appendingPathComponent("../../Sources/Prune/Prune.docc/Prune.md").standardized
        let landing = try String(contentsOf: url, encoding: .utf8)
        for article in ["GettingStarted", "AddingACriterion", "AddingALayer", "AddingASchedule", "AddingACalibrationNeed",
                        "AddingASearchBudget", "AddingALatencyEngine", "ExportingALayerToONNX"] {
            XCTAssertTrue(landing.contains("<doc:\(article)>"), article)
        }
    }
}
