@testable import DecisionTrees
import XCTest

final class CostComplexityTests: XCTestCase {
    struct FixtureEntry: Decodable {
        let data: String
        let criterion: String
        let tree: DecisionTree
        let alphas: [Double]
        let impurities: [Double]
    }

    /// scikit-learn's trees and paths (from scripts/parity/ccp_path_parity.py): Prune computes the same path.
    func testPathEqualsScikitLearnOnTheSameTrees() throws {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "sklearn_ccp_paths", withExtension: "json", subdirectory: "Fixtures"))
        let entries = try JSONDecoder().decode([FixtureEntry].self, from: Data(contentsOf: url))
        XCTAssertEqual(entries.count, 9)
        for e in entries {
            try e.tree.validate()
            let path = CostComplexityPruning.path(e.tree)
            XCTAssertEqual(path.count, e.alphas.count, "\(e.data) \(e.criterion)")
            for (k, step) in path.enumerated() where k < e.alphas.count {
                XCTAssertEqual(step.alpha, e.alphas[k], accuracy: 1e-9 * max(1, abs(e.alphas[k])), "\(e.data) \(e.criterion) step \(k)")
                XCTAssertEqual(step.impurity, e.impurities[k], accuracy: 1e-9 * max(1, abs(e.impurities[k])), "\(e.data) \(e.criterion) step \(k)")
            }
        }
    }

    func testSubtreesFollowThePath() throws {
        let data = try BundledDatasets.load("wine")
        let tree = try TreeGrower.grow(data)
        let schedule = CostComplexityPruning.schedule(tree)
        let predictions = CostComplexityPruning.pathPredictions(tree, schedule: schedule, data: data)
        var previousLeaves = Int.max
        for (k, step) in schedule.path.enumerated() {
            let sub = try CostComplexityPruning(alpha: step.alpha).prune(tree, data: PruningData(training: data))
            // Total leaf impurity of the subtree equals the path's R(T).
            let r = (0..<sub.nodeCount).filter { sub.isLeaf($0) }.reduce(0.0) { $0 + Double(sub.sampleCount[$1]) * sub.impurity[$1] } / Double(data.rowCount)
            XCTAssertEqual(r, step.impurity, accuracy: 1e-12)
            XCTAssertEqual(sub.leafCount, step.leaves)
            XCTAssertLessThan(sub.leafCount, previousLeaves)
            previousLeaves = sub.leafCount
            XCTAssertEqual(predictions[k], sub.predict(data), "step \(k)")
            if k > 0 { XCTAssertGreaterThanOrEqual(step.alpha, schedule.path[k - 1].alpha - 1e-15) }
        }
        XCTAssertEqual(previousLeaves, 1)
    }

    func testCrossValidatedSelection() throws {
        let data = try BundledDatasets.load("breast-cancer")
        let tree = try TreeGrower.grow(data)
        let minimum = try CostComplexityCrossValidation(folds: 5, rule: .minimumError, seed: 1).select(tree: tree, data: data)
        let oneSE = try CostComplexityCrossValidation(folds: 5, rule: .oneStandardError, seed: 1).select(tree: tree, data: data)
        XCTAssertGreaterThanOrEqual(oneSE.alpha, minimum.alpha)
        let best = minimum.candidates.map(\.error).min()!
        XCTAssertEqual(minimum.candidates.first { $0.alpha == minimum.alpha }!.error, best)
        // Same seed, same choice.
        let again = try CostComplexityCrossValidation(folds: 5, rule: .minimumError, seed: 1).select(tree: tree, data: data)
        XCTAssertEqual(again.alpha, minimum.alpha)
        let pruned = try CostComplexityCrossValidation(folds: 5, seed: 1).prune(tree, data: PruningData(training: data))
        XCTAssertLessThan(pruned.leafCount, tree.leafCount / 2)
    }
}

final class ClassicPruningTests: XCTestCase {
    func testReducedErrorPruningNeverLowersValidationAccuracy() throws {
        let data = try BundledDatasets.load("digits")
        let split = try RandomSplits.holdout(data, fraction: 0.3, seed: 3)
        let grow = data.subset(split.kept), validation = data.subset(split.heldOut)
        let tree = try TreeGrower.grow(grow)
        let pruned = try ReducedErrorPruning().prune(tree, data: PruningData(training: grow, validation: validation))
        XCTAssertGreaterThanOrEqual(pruned.score(validation), tree.score(validation))
        XCTAssertLessThan(pruned.leafCount, tree.leafCount)
        // Fixed point: pruning again changes nothing.
        XCTAssertEqual(try ReducedErrorPruning().prune(pruned, data: PruningData(training: grow, validation: validation)), pruned)
        // Pruning with the training data as the pruning set keeps a perfect fit but drops dead branches only.
        let self_ = try ReducedErrorPruning().prune(tree, data: PruningData(training: grow, validation: grow))
        XCTAssertEqual(self_.score(grow), 1, accuracy: 1e-12)
        // Regression trees are pruned on squared error.
        let diabetes = try BundledDatasets.load("diabetes")
        let ds = try RandomSplits.holdout(diabetes, fraction: 0.3, seed: 1)
        let rTree = try TreeGrower.grow(diabetes.subset(ds.kept))
        let rPruned = try ReducedErrorPruning().prune(rTree, data: PruningData(training: diabetes.subset(ds.kept), validation: diabetes.subset(ds.heldOut)))
        XCTAssertGreaterThanOrEqual(rPruned.score(diabetes.subset(ds.heldOut)), rTree.score(diabetes.subset(ds.heldOut)))
        XCTAssertLessThan(rPruned.leafCount, rTree.leafCount / 2)
    }

    func testC45ExtraErrors() {
        let cf = 0.25, z = StandardNormal.quantile(1 - cf)
        XCTAssertEqual(z, 0.6744897501960817, accuracy: 1e-12)
        XCTAssertEqual(StandardNormal.quantile(0.975), 1.959963984540054, accuracy: 1e-12)
        // E = 0: n·(1 − CF^(1/n)); Quinlan's book gives U_25%(0, 6) = 0.206, i.e. 1.24 predicted errors in 6.
        XCTAssertEqual(ErrorBasedPruning.extraErrors(n: 6, errors: 0, confidence: cf, z: z), 6 * (1 - pow(0.25, 1.0 / 6)), accuracy: 1e-12)
        XCTAssertEqual(ErrorBasedPruning.extraErrors(n: 6, errors: 0, confidence: cf, z: z) / 6, 0.206, accuracy: 5e-4)
        // E + 0.5 ≥ n: n − E.
        XCTAssertEqual(ErrorBasedPruning.extraErrors(n: 3, errors: 2.5, confidence: cf, z: z), 0.5, accuracy: 1e-12)
        // General case: the Wilson-type upper limit with the continuity correction.
        let n = 16.0, e = 1.0, f = (e + 0.5) / n, z2 = z * z
        let r = (f + z2 / (2 * n) + z * (f / n - f * f / n + z2 / (4 * n * n)).squareRoot()) / (1 + z2 / n)
        XCTAssertEqual(ErrorBasedPruning.extraErrors(n: n, errors: e, confidence: cf, z: z), r * n - e, accuracy: 1e-12)
        // Between 0 and 1 errors: linear interpolation.
        let a0 = ErrorBasedPruning.extraErrors(n: 10, errors: 0, confidence: cf, z: z)
        let a1 = ErrorBasedPruning.extraErrors(n: 10, errors: 1, confidence: cf, z: z)
        XCTAssertEqual(ErrorBasedPruning.extraErrors(n: 10, errors: 0.5, confidence: cf, z: z), a0 + 0.5 * (a1 - a0), accuracy: 1e-12)
    }

    /// A hand-checked case of pessimistic error pruning: a split whose leaves fix one error is not
    /// worth its continuity correction.
    func testPessimisticErrorPruningByHand() throws {
        var tree = DecisionTree(classCount: 2, featureNames: ["x"], classNames: ["a", "b"], criterion: .gini)
        tree.addNode(impurity: 0.5, samples: 20, value: [12, 8])
        tree.addNode(impurity: 0.3, samples: 11, value: [10, 1])
        tree.addNode(impurity: 0.3, samples: 9, value: [2, 7])
        tree.setSplit(0, feature: 0, threshold: 0.5, left: 1, right: 2)
        // errors(T) = 1 + 2 = 3, e' = 3 + 1 = 4, SE = √(4·16/20) = 1.789; leaf: 8 + 0.5 = 8.5 > 5.79 → keep.
        let data = try TabularDataset(columns: [[0]], featureNames: ["x"], targetName: "y", target: .classes([0], names: ["a", "b"]))
        XCTAssertEqual(try PessimisticErrorPruning().prune(tree, data: PruningData(training: data)).nodeCount, 3)
        // With 5 + 1 errors in the leaves: e' = 7, SE = √(7·13/20) = 2.133, leaf 8.5 ≤ 9.13 → prune.
        tree.values = [12, 8, 6, 5, 6, 3]
        XCTAssertEqual(try PessimisticErrorPruning().prune(tree, data: PruningData(training: data)).nodeCount, 1)
    }

    func testErrorBasedPruningKeepsCountsConsistent() throws {
        var leavesAt25 = 0, leavesAt1 = 0
        for name in ["breast-cancer", "digits", "wine"] {
            let data = try BundledDatasets.load(name)
            let tree = try TreeGrower.grow(data, options: .init(criterion: .entropy))
            let pruned = try ErrorBasedPruning().prune(tree, data: PruningData(training: data))
            try pruned.validate(featureCount: data.featureCount)
            XCTAssertLessThan(pruned.leafCount, tree.leafCount, name)
            XCTAssertEqual(pruned.sampleCount[0], data.rowCount)
            // Every row is counted in the leaf it reaches (subtree raising re-routes rows and recounts).
            var counts = [Double](repeating: 0, count: pruned.values.count)
            guard case .classes(let y, _) = data.target else { return XCTFail() }
            for r in 0..<data.rowCount { counts[pruned.leaf(in: data, row: r) * pruned.classCount + y[r]] += 1 }
            for i in 0..<pruned.nodeCount where pruned.isLeaf(i) && pruned.sampleCount[i] > 0 {
                XCTAssertEqual(Array(counts[(i * pruned.classCount)..<((i + 1) * pruned.classCount)]), Array(pruned.value(i)), "\(name) leaf \(i)")
            }
            let harder = try ErrorBasedPruning(confidence: 0.01).prune(tree, data: PruningData(training: data))
            leavesAt25 += pruned.leafCount; leavesAt1 += harder.leafCount
        }
        // A smaller confidence factor prunes more (overall; subtree raising makes it not strictly monotone per tree).
        XCTAssertLessThan(leavesAt1, leavesAt25)
    }

    func testPipelineCrossValidationShrinksTreesOnRealData() throws {
        let data = try BundledDatasets.load("breast-cancer")
        for method in [TreePruningMethod.costComplexity(alpha: nil, rule: .minimumError, folds: 5), .reducedError(validationFraction: 0.25),
                       .errorBased(confidence: 0.25), .pessimistic] {
            let folds = try TreePruningPipeline(method: method, seed: 0).crossValidate(data, folds: 5, seed: 0)
            let leaves = folds.map { Double($0.size.leaves) }.reduce(0, +), unpruned = folds.map { Double($0.unprunedSize.leaves) }.reduce(0, +)
            let acc = folds.map(\.testScore).reduce(0, +) / 5
            XCTAssertLessThan(leaves, unpruned, method.shortName)
            XCTAssertGreaterThan(acc, 0.88, method.shortName)
        }
    }
}
