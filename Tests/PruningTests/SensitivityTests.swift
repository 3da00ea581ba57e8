import Foundation
import PruneAutodiff
import PruneNN
@testable import PrunePruning
import PruneTensor
import XCTest

/// Sensitivity curves against a hand computation in Double: each layer pruned alone by magnitude, the
/// model restored between points; the allocation rule; BatchNorm recalibration's equal-weight averages.
final class SensitivityTests: XCTestCase {
    let w1: [Float] = [0.9, -0.1, 0.4, -0.7, 0.2, 0.05, -0.3, 0.6]   // [2, 4]
    let w2: [Float] = [1.0, -0.5, 0.25, 0.8]                           // [2, 2]
    let input: [Float] = [1, 2, -1, 0.5, -2, 1, 3, -1]                 // [2, 4]

    /// −Σ (x·W1ᵀ·W2ᵀ)², computed in Double with the given masks applied.
    func metric(_ a: [Float], _ b: [Float]) -> Double {
        var total = 0.0
        for r in 0..<2 {
            let h = (0..<2).map { o in (0..<4).reduce(0.0) { $0 + Double(input[r * 4 + $1] * a[o * 4 + $1]) } }
            for o in 0..<2 { let y = h[0] * Double(b[o * 2]) + h[1] * Double(b[o * 2 + 1]); total -= y * y }
        }
        return total
    }

    /// `w` with its `drop` smallest |w| set to zero.
    func pruned(_ w: [Float], drop: Int) -> [Float] {
        let order = w.indices.sorted { abs(w[$0]) < abs(w[$1]) }
        var out = w
        for i in order.prefix(drop) { out[i] = 0 }
        return out
    }

    func testEachLayerIsPrunedAloneAndRestored() throws {
        let fc1 = Linear(weight: Tensor(unchecked: [2, 4], w1), bias: nil)
        let fc2 = Linear(weight: Tensor(unchecked: [2, 2], w2), bias: nil)
        let model = Sequential([fc1, fc2])
        let x = Variable(Tensor(unchecked: [2, 4], input))
        let analysis = try SensitivityAnalysis(sparsities: [0.5, 0.25])
        let report = try analysis.run(model, targets: PruningTarget.all(in: model)) {
            let y = try withNoGrad { try model.forward(x) }.value.scalars
            return -y.reduce(0.0) { $0 + Double($1 * $1) }
        }
        XCTAssertEqual(report.baseline, metric(w1, w2), accuracy: 1e-4)
        XCTAssertEqual(report.curves.map(\.layer), ["0.weight", "1.weight"])
        XCTAssertEqual(report.curves[0].points.map(\.sparsity), [0.25, 0.5], "sorted")
        let expected = [[metric(pruned(w1, drop: 2), w2), metric(pruned(w1, drop: 4), w2)],
                        [metric(w1, pruned(w2, drop: 1)), metric(w1, pruned(w2, drop: 2))]]
        for (c, e) in zip(report.curves, expected) {
            for (p, v) in zip(c.points, e) { XCTAssertEqual(p.metric, v, accuracy: 1e-4, c.layer) }
        }
        XCTAssertNil(fc1.weight.mask); XCTAssertNil(fc2.weight.mask)
        XCTAssertThrowsError(try SensitivityAnalysis(sparsities: [1]))
        XCTAssertThrowsError(try SensitivityAnalysis(sparsities: [0.5], criterion: WandaImportance())) {
            XCTAssertTrue("\($0)".contains("calibration"), "\($0)")
        }
    }

    func testTheAllocationKeepsTheLargestSparsityWithinTheDrop() {
        func curve(_ name: String, _ metrics: [Double]) -> SensitivityCurve {
            SensitivityCurve(layer: name, weights: 10, points: zip([0.5, 0.7, 0.9], metrics).map {
                SensitivityPoint(sparsity: $0, metric: $1)
            })
        }
        let report = SensitivityReport(baseline: 0.9, curves: [curve("a", [0.9, 0.895, 0.85]),
                                                               curve("b", [0.85, 0.9, 0.9]),
                                                               curve("c", [0.9, 0.885, 0.9])])
        XCTAssertEqual(report.allocation(maxDrop: 0.01), ["a": 0.7, "b": 0, "c": 0.5],
                       "a point past the bound stops the curve even if a later one recovers")
        XCTAssertEqual(report.allocation(maxDrop: 0.02), ["a": 0.7, "b": 0, "c": 0.9])
    }

    /// Two batches: the running mean is the average of the two batch means and the running variance
    /// the average of the two unbiased batch variances (momentum 1 then ½), whatever they were before.
    func testBatchNormRecalibrationAveragesTheBatchesEqually() throws {
        let bn = BatchNorm(1)
        bn.runningMean.value = Tensor(unchecked: [1], [5]); bn.runningVar.value = Tensor(unchecked: [1], [9])
        let model = Sequential([bn]); model.eval()
        let a: [Float] = [1, 2, 3, 6], b: [Float] = [-1, 1, 0, 4]
        try BatchNormRecalibration(batches: [Tensor(unchecked: [4, 1], a), Tensor(unchecked: [4, 1], b)])
            .apply(to: model)
        func mean(_ v: [Float]) -> Double { v.reduce(0.0) { $0 + Double($1) } / Double(v.count) }
        func unbiased(_ v: [Float]) -> Double {
            let m = mean(v); return v.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / Double(v.count - 1)
        }
        XCTAssertEqual(Double(bn.runningMean.value.scalars[0]), (mean(a) + mean(b)) / 2, accuracy: 1e-5)
        XCTAssertEqual(Double(bn.runningVar.value.scalars[0]), (unbiased(a) + unbiased(b)) / 2, accuracy: 1e-4)
        XCTAssertFalse(bn.isTraining); XCTAssertEqual(bn.momentum, 0.1)
    }
}
