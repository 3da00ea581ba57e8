import PruneAutodiff
import PruneNN
import PrunePruning
import PrunePruningGraph
import PruneTensor
import XCTest

/// Per-group sensitivity: each point equals the model with that group's weakest channels removed,
/// computed here by hand (hidden units zeroed in a plain forward pass).
final class GroupSensitivityTests: XCTestCase {
    /// fc1 (3 → 4), ReLU, fc2 (4 → 2): hidden unit i's fc1 row has norm growing with i, fc2's columns
    /// all the same norm, so L2 removes the lowest units first.
    let w1: [Float] = [0.1, 0.2, 0.1, 0.6, -0.3, 0.4, 1.0, 0.5, -0.8, 2.0, -1.0, 1.5]
    let w2: [Float] = [1, -1, 1, 1, 1, 1, -1, 1]
    let x: [Float] = [1, 2, 0.5, -1, 0.5, 2]

    func model() throws -> Sequential {
        Sequential(named: [("fc1", Linear(weight: try Tensor(shape: [4, 3], scalars: w1), bias: nil)),
                           ("relu", ReLU()),
                           ("fc2", Linear(weight: try Tensor(shape: [2, 4], scalars: w2), bias: nil))])
    }

    /// Σ of the outputs on the two examples with hidden units below `removed` zeroed.
    func byHand(removed: Int) -> Double {
        var total = 0.0
        for n in 0..<2 {
            for o in 0..<2 {
                for h in removed..<4 {
                    let pre = (0..<3).reduce(Float(0)) { $0 + w1[h * 3 + $1] * x[n * 3 + $1] }
                    total += Double(w2[o * 4 + h] * max(pre, 0))
                }
            }
        }
        return total
    }

    func testEveryPointIsTheModelWithTheGroupsWeakestChannelsRemoved() throws {
        let input = try Tensor(shape: [2, 3], scalars: x)
        let pruner = StructuredPruner(criterion: MagnitudeImportance(norm: .l2), aggregation: .sum,
                                      target: .channelRatio(0), minimumKept: 0, seed: 0)
        let analysis = try GroupSensitivityAnalysis(levels: [0.5, 0.25], pruner: pruner)
        let report = try analysis.run(reload: { try self.model() }, example: Tensor.zeros([1, 3]), evaluate: { m in
            Double(try m.forward(Variable(input)).value.scalars.reduce(0, +))
        })
        XCTAssertEqual(report.baseline, byHand(removed: 0), accuracy: 1e-5)
        let curve = try XCTUnwrap(report.curves.first)
        XCTAssertEqual(report.curves.count, 1)
        XCTAssertEqual(curve.layer, "fc1")
        XCTAssertEqual(curve.weights, 4)
        XCTAssertEqual(curve.points.map(\.sparsity), [0.25, 0.5])
        XCTAssertEqual(curve.points[0].metric, byHand(removed: 1), accuracy: 1e-5)
        XCTAssertEqual(curve.points[1].metric, byHand(removed: 2), accuracy: 1e-5)
        XCTAssertNotEqual(byHand(removed: 1), byHand(removed: 0), "the removed unit must matter")
    }

    func testDataCriteriaAndBadLevelsAreRefused() throws {
        let pruner = StructuredPruner(criterion: TaylorImportance(), aggregation: .sum, target: .channelRatio(0),
                                      minimumKept: 0, seed: 0)
        XCTAssertThrowsError(try GroupSensitivityAnalysis(levels: [0.5], pruner: pruner)) {
            XCTAssertTrue("\($0)".contains("needs calibration data"), "\($0)")
        }
        var l2 = pruner
        l2.criterion = MagnitudeImportance(norm: .l2)
        XCTAssertThrowsError(try GroupSensitivityAnalysis(levels: [1.0], pruner: l2))
    }
}
