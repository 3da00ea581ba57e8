import Foundation
import PruneAutodiff
import PruneNN
@testable import PrunePruning
import PruneTensor
import XCTest

/// Every criterion's scores against values computed independently from its paper's definition in
/// PyTorch and NumPy (`scripts/parity/criteria_reference.py`, committed as
/// `Fixtures/criteria_reference.json`): fc1 (4→6) → BatchNorm (eval) → ReLU → fc2 (6→3), 16 examples
/// in two batches of 8. Values, not rankings, are compared, so a criterion whose formula were
/// swapped for another's (Taylor for SNIP, Fisher for OBD, …) fails.
final class CriteriaParityTests: XCTestCase {
    struct Reference: Decodable {
        let taylor, fisher, snip, obd, hessianDiagonal, hessianOffDiagonalSquares: [String: [Double]]
        let wanda, wandaMask50, activation, activationVariance, apoz, movement, lamp, fpgm: [String: [Double]]
        let model: [String: [Float]]
        let shapes: [String: [Int]]
        let inputs: [Float]
        let labels: [Int]
        let batchSize: Int
    }

    /// Fixture weight names (`fc1.weight`) and the Swift model's paths (`0.weight`).
    static let paths = ["fc1.weight": "0.weight", "fc2.weight": "3.weight"]

    func reference() throws -> Reference {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/criteria_reference", withExtension: "json"),
                                "committed fixture criteria_reference.json is missing")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    func setUp(_ r: Reference) throws -> (Sequential, [PruningTarget], DataLoader) {
        var rng = RandomGenerator(seed: 0)
        let bn = BatchNorm(6)
        let m = Sequential([Linear(4, 6, rng: &rng), bn, ReLU(), Linear(6, 3, rng: &rng)])
        for (path, p) in m.parameters() {
            p.value = Tensor(unchecked: try XCTUnwrap(r.shapes[path], path), try XCTUnwrap(r.model[path], path))
        }
        bn.runningMean.value = Tensor(unchecked: [6], try XCTUnwrap(r.model["1.running_mean"]))
        bn.runningVar.value = Tensor(unchecked: [6], try XCTUnwrap(r.model["1.running_var"]))
        let data = try LabeledImages(images: Tensor(shape: [16, 4], scalars: r.inputs), labels: r.labels, classes: 3)
        let targets = PruningTarget.all(in: m)
        XCTAssertEqual(targets.map(\.path), ["0.weight", "3.weight"])
        return (m, targets, try DataLoader(data, batchSize: r.batchSize))
    }

    func assertClose(_ got: [Float], _ want: [Double]?, relative: Double = 2e-4, absolute: Double = 1e-6,
                     _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        guard let want else { return XCTFail("no reference for \(what)", file: file, line: line) }
        XCTAssertEqual(got.count, want.count, what, file: file, line: line)
        for (i, (g, w)) in zip(got, want).enumerated() where abs(Double(g) - w) > absolute + relative * abs(w) {
            return XCTFail("\(what)[\(i)]: \(g), reference \(w)", file: file, line: line)
        }
    }

    func scores(_ c: any ImportanceCriterion, _ targets: [PruningTarget],
                _ s: CalibrationStatistics) throws -> [String: [Float]] {
        var out: [String: [Float]] = [:]
        for (name, path) in Self.paths {
            out[name] = try c.elementScores(targets.first { $0.path == path }!, statistics: s)
        }
        return out
    }

    func testTaylorFisherAndSNIPEqualTheirDefinitions() throws {
        let r = try reference()
        let (m, targets, loader) = try setUp(r)
        let both = try Calibration.collect(model: m, targets: targets, needs: [LossGradients()], loader: loader, batches: 2)
        let first = try Calibration.collect(model: m, targets: targets, needs: [LossGradients()], loader: loader, batches: 1)
        let taylor = try scores(TaylorImportance(), targets, both)
        let fisher = try scores(FisherImportance(), targets, both)
        let snip = try scores(SNIPImportance(), targets, first)
        for name in Self.paths.keys {
            assertClose(taylor[name]!, r.taylor[name], "taylor \(name)")
            assertClose(fisher[name]!, r.fisher[name], "fisher \(name)")
            assertClose(snip[name]!, r.snip[name], "snip \(name)")
        }
    }

    func testWandaScoresAndItsPerRowMasks() throws {
        let r = try reference()
        let (m, targets, loader) = try setUp(r)
        let stats = try Calibration.collect(model: m, targets: targets, needs: [InputNorms()], loader: loader,
                                            batches: 2)
        let wanda = try scores(WandaImportance(), targets, stats)
        let masks = try MaskBuilder.masks(targets: targets, criterion: WandaImportance(), statistics: stats,
                                          pattern: .unstructured, scope: PruningScope(distribution: .layerwise),
                                          sparsity: 0.5)
        for (name, path) in Self.paths {
            assertClose(wanda[name]!, r.wanda[name], "wanda \(name)")
            XCTAssertEqual(masks[path]?.map(Double.init), r.wandaMask50[name],
                           "wanda 50% masks remove the lowest half of each row")
        }
        XCTAssertThrowsError(try MaskBuilder.masks(targets: targets, criterion: WandaImportance(), statistics: stats,
                                                   pattern: .unstructured, scope: PruningScope(distribution: .global),
                                                   sparsity: 0.5))
    }

    func testActivationCriteriaReadTheActivationTheNetworkApplies() throws {
        let r = try reference()
        let (m, targets, loader) = try setUp(r)
        let stats = try Calibration.collect(model: m, targets: targets, needs: [OutputActivations()], loader: loader,
                                            batches: 2)
        for (name, path) in Self.paths {
            let t = targets.first { $0.path == path }!
            let mean = try ActivationImportance(statistic: .meanMagnitude).channelScores(t, statistics: stats)
            let variance = try ActivationImportance(statistic: .variance).channelScores(t, statistics: stats)
            let nonZero = try ActivationImportance(statistic: .nonZeroFraction).channelScores(t, statistics: stats)
            assertClose(mean.map(Float.init), r.activation[name], "mean |A| \(name)")
            assertClose(variance.map(Float.init), r.activationVariance[name], relative: 1e-3, absolute: 1e-5,
                        "Var(A) \(name)")
            assertClose(nonZero.map { Float(1 - $0) }, r.apoz[name], "APoZ \(name)")
        }
    }

    func testLAMPAndFPGMEqualTheirClosedForms() throws {
        let r = try reference()
        let (_, targets, _) = try setUp(r)
        for (name, path) in Self.paths {
            let t = targets.first { $0.path == path }!
            let groups = try PatternGroups.make(.unstructured, for: t)
            let lamp = try LAMPImportance().groupScores(t, groups: groups, statistics: .none)
            assertClose(lamp.map(Float.init), r.lamp[name], "lamp \(name)")
        }
        let t = targets[0]
        let filters = try PatternGroups.make(.outputChannels, for: t)
        let fpgm = try FPGMImportance().groupScores(t, groups: filters, statistics: .none)
        assertClose(fpgm.map(Float.init), r.fpgm["fc1.weight"], "fpgm")
    }

    func testMovementAccumulatesOverAdamStepsAsInPyTorch() throws {
        let r = try reference()
        let (m, targets, loader) = try setUp(r)
        let stats = try Calibration.collect(model: m, targets: targets, needs: [MovementScores()], loader: loader, batches: 2,
                                            settings: CalibrationSettings(movementLearningRate: 0.01))
        let movement = try scores(MovementImportance(), targets, stats)
        for name in Self.paths.keys {
            assertClose(movement[name]!, r.movement[name], relative: 1e-3, absolute: 1e-6, "movement \(name)")
        }
    }

    /// OBD on the Hutchinson estimate: ½·max(h, 0)·w² exactly on the estimate, and the estimate
    /// within five standard errors of the exact diagonal (the error of one probe has variance
    /// Σ_{k≠i} H_ik², from the reference Hessian).
    func testOBDAndTheHutchinsonDiagonalAgainstTheExactHessian() throws {
        let r = try reference()
        let (m, targets, loader) = try setUp(r)
        let probes = 20_000
        let stats = try Calibration.collect(model: m, targets: targets, needs: [HessianDiagonal()], loader: loader,
                                            batches: 1, settings: CalibrationSettings(seed: 3, probes: probes))
        let obd = try scores(OptimalBrainDamageImportance(), targets, stats)
        for (name, path) in Self.paths {
            let h = try XCTUnwrap(stats.hessianDiagonals[path])
            let exact = try XCTUnwrap(r.hessianDiagonal[name]), off = try XCTUnwrap(r.hessianOffDiagonalSquares[name])
            for i in h.indices {
                let bound = 5 * (off[i] / Double(probes)).squareRoot() + 2e-4
                XCTAssertEqual(Double(h[i]), exact[i], accuracy: bound, "Hessian diagonal \(name)[\(i)]")
            }
            let w = targets.first { $0.path == path }!.parameter.value.scalars
            for i in h.indices { XCTAssertEqual(obd[name]![i], 0.5 * max(h[i], 0) * w[i] * w[i], accuracy: 1e-9) }
        }
    }
}
