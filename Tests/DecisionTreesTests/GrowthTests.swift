@testable import DecisionTrees
import XCTest

final class GrowthTests: XCTestCase {
    func testFullTreeFitsTrainingDataAndIsConsistent() throws {
        let data = try BundledDatasets.load("breast-cancer")
        let tree = try TreeGrower.grow(data)
        XCTAssertEqual(tree.score(data), 1.0, accuracy: 1e-12)   // no duplicate rows with different labels
        try tree.validate(featureCount: data.featureCount)
        for i in 0..<tree.nodeCount where !tree.isLeaf(i) {
            XCTAssertEqual(tree.sampleCount[i], tree.sampleCount[tree.left[i]] + tree.sampleCount[tree.right[i]])
            XCTAssertGreaterThan(tree.impurity[i], 0)
        }
        // Probabilities are the leaf frequencies and sum to one.
        for p in tree.predictProbabilities(data.subset(Array(0..<20))) { XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-12) }
    }

    func testPrePruningRules() throws {
        let data = try BundledDatasets.load("digits")
        let full = try TreeGrower.grow(data)
        let shallow = try TreeGrower.grow(data, options: .init(maxDepth: 4))
        XCTAssertLessThanOrEqual(shallow.depth, 4)
        let leafy = try TreeGrower.grow(data, options: .init(minSamplesLeaf: 10))
        for i in 0..<leafy.nodeCount where leafy.isLeaf(i) { XCTAssertGreaterThanOrEqual(leafy.sampleCount[i], 10) }
        let split = try TreeGrower.grow(data, options: .init(minSamplesSplit: 40))
        for i in 0..<split.nodeCount where !split.isLeaf(i) { XCTAssertGreaterThanOrEqual(split.sampleCount[i], 40) }
        let capped = try TreeGrower.grow(data, options: .init(maxLeafNodes: 20))
        XCTAssertEqual(capped.leafCount, 20)
        let decrease = try TreeGrower.grow(data, options: .init(minImpurityDecrease: 0.005))
        let chi = try TreeGrower.grow(data, options: .init(chiSquaredSignificance: 0.001))
        for t in [shallow, leafy, split, capped, decrease, chi] {
            XCTAssertLessThan(t.leafCount, full.leafCount)
            try t.validate(featureCount: data.featureCount)
        }
        // Best-first growth to the full size reproduces the depth-first tree.
        let bestFirst = try TreeGrower.grow(data, options: .init(maxLeafNodes: full.leafCount))
        XCTAssertEqual(bestFirst, full)
    }

    func testChiSquaredDistribution() {
        XCTAssertEqual(ChiSquaredTest.pValue(3.841458820694124, dof: 1), 0.05, accuracy: 1e-9)
        XCTAssertEqual(ChiSquaredTest.pValue(5.991464547107979, dof: 2), 0.05, accuracy: 1e-9)
        XCTAssertEqual(ChiSquaredTest.pValue(23.20925115817913, dof: 10), 0.01, accuracy: 1e-9)
        // dof 3 in closed form: Q(3/2, x/2) = erfc(√(x/2)) + 2·√(x/2π)·e^(−x/2).
        let x = 0.5
        XCTAssertEqual(ChiSquaredTest.pValue(x, dof: 3), erfc((x / 2).squareRoot()) + 2 * (x / 2 / Double.pi).squareRoot() * exp(-x / 2), accuracy: 1e-12)
        let (chi2, dof) = ChiSquaredTest.statistic(left: [10, 0], right: [0, 10])
        XCTAssertEqual(chi2, 20, accuracy: 1e-12)
        XCTAssertEqual(dof, 1)
        XCTAssertFalse(ChiSquaredTest.isSignificant(left: [3, 2], right: [2, 3], alpha: 0.05))
    }

    func testBadOptionsAreRejected() throws {
        let iris = try BundledDatasets.load("iris")
        let diabetes = try BundledDatasets.load("diabetes")
        XCTAssertThrowsError(try TreeGrower.grow(iris, options: .init(criterion: .squaredError)))
        XCTAssertThrowsError(try TreeGrower.grow(diabetes, options: .init(criterion: .gini)))
        XCTAssertThrowsError(try TreeGrower.grow(diabetes, options: .init(chiSquaredSignificance: 0.05)))
        XCTAssertThrowsError(try TreeGrower.grow(iris, options: .init(minSamplesLeaf: 0)))
        XCTAssertThrowsError(try TreeGrower.grow(iris, options: .init(maxLeafNodes: 1)))
        XCTAssertThrowsError(try ErrorBasedPruning().prune(try TreeGrower.grow(diabetes), data: PruningData(training: diabetes)))
        XCTAssertThrowsError(try PessimisticErrorPruning().prune(try TreeGrower.grow(diabetes), data: PruningData(training: diabetes)))
        XCTAssertThrowsError(try ReducedErrorPruning().prune(try TreeGrower.grow(iris), data: PruningData(training: iris)))
    }

    func testRenderingAndSaving() throws {
        let data = try BundledDatasets.load("iris")
        let tree = try TreeGrower.grow(data, options: .init(maxDepth: 2))
        let text = tree.renderText()
        XCTAssertTrue(text.hasPrefix("|--- petal_length_cm <= 2.45"), text)
        XCTAssertTrue(text.contains("class: setosa"))
        let dot = tree.renderDOT()
        XCTAssertTrue(dot.hasPrefix("digraph Tree {"))
        XCTAssertEqual(dot.components(separatedBy: "[label=").count - 1, tree.nodeCount)
        XCTAssertEqual(dot.components(separatedBy: " -> ").count - 1, tree.nodeCount - 1)
        let decoded = try JSONDecoder().decode(DecisionTree.self, from: try JSONEncoder().encode(tree))
        XCTAssertEqual(decoded, tree)
        var broken = tree
        broken.left[0] = 0
        XCTAssertThrowsError(try broken.validate())
    }
}
