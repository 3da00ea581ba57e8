import DecisionTrees
import Foundation
import PruneFuzzTargets
import XCTest

/// Inputs the fuzzers found crashing, kept so the fixes stay fixed, and a short fixed-count pass of
/// every fuzz target (the same mutants on every machine; scripts/fuzz.sh runs the long libFuzzer pass).
final class FuzzRegressionTests: XCTestCase {
    var repository: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// libFuzzer's first find: a CSV whose regression target holds 1e308 made the squared errors
    /// overflow, the cost-complexity alphas NaN, and the weakest-link search index node −1.
    func testAHugeRegressionTargetIsAnErrorNotACrash() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/csv-huge-target", withExtension: "csv"))
        let bytes = [UInt8](try Data(contentsOf: url))
        XCTAssertFalse(try XCTUnwrap(FuzzTargets.named("csv")).execute(bytes))
        XCTAssertThrowsError(try TabularDataset.parseCSV("x,y\n1,2.5\n2,1.5e308\n3,4.5\n", target: "y")) {
            XCTAssertTrue("\($0)".contains("too large"), "\($0)")
        }
    }

    /// libFuzzer's second find: a saved tree claiming 2^63 − 1 classes overflowed the array-length check.
    func testASavedTreeWithAnAbsurdClassCountIsAnError() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/tree-huge-class-count", withExtension: "json"))
        let bytes = [UInt8](try Data(contentsOf: url))
        XCTAssertFalse(try XCTUnwrap(FuzzTargets.named("tree-json")).execute(bytes))
        let tree = try JSONDecoder().decode(DecisionTree.self, from: Data(bytes))
        XCTAssertThrowsError(try tree.validate()) { XCTAssertTrue("\($0)".contains("classes"), "\($0)") }
    }

    func testCostComplexityPathSurvivesOverflowingImpurities() throws {
        let csv = try String(contentsOfFile: repository + "/Sources/DecisionTrees/Datasets/iris.csv", encoding: .utf8)
        var tree = try TreePruningPipeline(growth: TreeGrowthOptions(maxDepth: 4), method: .none)
            .fit(TabularDataset.parseCSV(csv, target: "species")).unpruned
        tree.impurity = tree.impurity.map { _ in 1.7e308 }
        let path = CostComplexityPruning.path(tree)
        XCTAssertEqual(path.last?.leaves, 1, "the path still ends with the root alone")
    }

    func testEveryFuzzTargetSurvivesAFixedPass() throws {
        let counts = ["safetensors": 20_000, "idx": 20_000, "csv": 1_500, "recipe": 5_000, "onnx": 5_000,
                      "prune-codec": 20_000, "tree-json": 5_000, "connect4": 2_000, "gguf": 5_000]
        for target in FuzzTargets.all {
            let n = try XCTUnwrap(counts[target.name], "every target has a count here")
            let s = try FuzzRunner(target: target).run(executions: n, repository: repository, budget: 512 << 20)
            print("fuzz \(s.target): \(s.executions) mutants of \(s.seeds) seeds, \(s.accepted) accepted, "
                  + "\(s.rejected) rejected, \(String(format: "%.1f", s.seconds)) s")
            XCTAssertEqual(s.executions, n)
            XCTAssertGreaterThan(s.accepted, 0, "\(target.name): some mutants still parse")
            XCTAssertGreaterThan(s.rejected, 0, "\(target.name): some mutants are refused")
        }
    }
}
