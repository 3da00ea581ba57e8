import DecisionTrees
import XCTest

/// The README's DecisionTrees example, kept compiling and running.
final class ReadmeExampleTests: XCTestCase {
    func testReadmeExample() throws {
        let data = try BundledDatasets.load("wine")
        let tree = try TreeGrower.grow(data, options: TreeGrowthOptions(minSamplesLeaf: 2, chiSquaredSignificance: 0.05))
        let path = CostComplexityPruning.path(tree)
        let pruned = try CostComplexityCrossValidation(folds: 5, rule: .oneStandardError).prune(tree, data: PruningData(training: data))
        let c45 = try ErrorBasedPruning(confidence: 0.25).prune(tree, data: PruningData(training: data))
        XCTAssertEqual(path.last?.leaves, 1)
        XCTAssertLessThan(pruned.leafCount, tree.leafCount)
        XCTAssertLessThanOrEqual(c45.leafCount, tree.leafCount)
        XCTAssertFalse(pruned.renderText().isEmpty)
        XCTAssertGreaterThan(pruned.score(data), 0.8)
    }
}
