import PruneNN
@testable import PrunePruning
import PruneTensor
import XCTest

/// OWL's allocation over the layers of any network, against the closed form of its rule.
final class OutlierWeightedDensityTests: XCTestCase {
    /// fc1 (4×5): all weights 1 but two of 100, unit input norms, so mean score 10.9 and 2 of 20 scores
    /// above 5 × 10.9: outlier ratio 0.1. fc2 (8×5): all 1, ratio 0.
    func layers() throws -> ([PruningTarget], CalibrationStatistics) {
        var w1 = [Float](repeating: 1, count: 20)
        w1[3] = 100; w1[17] = 100
        let fc1 = Linear(weight: try Tensor(shape: [4, 5], scalars: w1), bias: nil)
        let fc2 = Linear(weight: try Tensor(shape: [8, 5], scalars: [Float](repeating: 1, count: 40)), bias: nil)
        var stats = CalibrationStatistics()
        stats.inputNormSquareSums = ["fc1": [1, 1, 1, 1, 1], "fc2": [1, 1, 1, 1, 1]]
        return ([PruningTarget(layer: fc1, at: "fc1"), PruningTarget(layer: fc2, at: "fc2")], stats)
    }

    func testOutlierRatiosAndTheSizeWeightedShiftMatchTheClosedForm() throws {
        let (targets, stats) = try layers()
        let owl = OutlierWeightedDensity()
        XCTAssertEqual(try owl.outlierRatio(targets[0], statistics: stats), 0.1, accuracy: 1e-12)
        XCTAssertEqual(try owl.outlierRatio(targets[1], statistics: stats), 0, accuracy: 1e-12)
        // scaled: fc1 2λ = 0.16, fc2 0; c = 0.5 + 20·0.16/60, sparsities c − scaled.
        let d = try owl.densities(targets, density: 0.5, statistics: stats)
        let c = 0.5 + 20 * 0.16 / 60
        XCTAssertEqual(1 - d[0], c - 0.16, accuracy: 1e-9)
        XCTAssertEqual(1 - d[1], c, accuracy: 1e-9)
        XCTAssertEqual((20 * (1 - d[0]) + 40 * (1 - d[1])) / 60, 0.5, accuracy: 1e-9, "the target holds")
    }

    func testAClippedLayerIsRebalancedSoTheTargetStillHolds() throws {
        let (targets, stats) = try layers()
        // At 95%, fc2 would get 1.0033: clipped to 1 − 1/40, and fc1 takes (57 − 39)/20 = 0.9.
        let d = try OutlierWeightedDensity().densities(targets, density: 0.05, statistics: stats)
        XCTAssertEqual(1 - d[1], 0.975, accuracy: 1e-9)
        XCTAssertEqual(1 - d[0], 0.9, accuracy: 1e-9)
    }

    func testAlreadyPrunedWeightsAreAFloorSoAnIterativeStepMeetsItsTarget() throws {
        let (targets, stats) = try layers()
        // fc2 already has 30 of its 40 weights masked (75%); at a 50% target fc1 takes the rest:
        // 20·s + 40·0.75 = 30 → s = 0 (its own OWL share would be c − 0.16 but the floor binds fc2).
        var mask = [Float](repeating: 1, count: 40)
        for i in 0..<30 { mask[i] = 0 }
        targets[1].parameter.mask = try Tensor(shape: [8, 5], scalars: mask)
        let d = try OutlierWeightedDensity().densities(targets, density: 0.5, statistics: stats)
        XCTAssertEqual(1 - d[1], 0.75, accuracy: 1e-9)
        XCTAssertEqual(1 - d[0], 0, accuracy: 1e-9)
    }

    func testOWLNeedsCalibrationInputsAndSaysWhereItWorks() throws {
        XCTAssertThrowsError(try OutlierWeightedDensity().densities([[4, 5]], density: 0.5)) {
            XCTAssertTrue("\($0)".contains("--allocation owl"), "\($0)")
        }
        let (targets, _) = try layers()
        XCTAssertThrowsError(try OutlierWeightedDensity().densities(targets, density: 0.5, statistics: .none)) {
            XCTAssertTrue("\($0)".contains("no input statistics for fc1"), "\($0)")
        }
        let scope = PruningScope(distribution: .allocated(try AllocationRule(named: "owl")))
        XCTAssertEqual(scope.needs.map(\.key), [InputNorms().key])
    }

    func testMasksFollowTheAllocationAndMeetTheTarget() throws {
        let (targets, stats) = try layers()
        let scope = PruningScope(distribution: .allocated(try AllocationRule(named: "owl")))
        let masks = try MaskBuilder.masks(targets: targets, criterion: MagnitudeImportance(), statistics: stats,
                                          pattern: .unstructured, scope: scope, sparsity: 0.5)
        let pruned = targets.map { t in masks[t.path]!.filter { $0 == 0 }.count }
        let c = 0.5 + 20 * 0.16 / 60
        XCTAssertEqual(pruned[0], Int(((c - 0.16) * 20).rounded()))
        XCTAssertEqual(pruned[1], Int((c * 40).rounded()))
        XCTAssertEqual(masks["fc1.weight"]![3], 1, "the outlier weights stay")
    }
}
