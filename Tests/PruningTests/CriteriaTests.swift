import PruneAutodiff
import PruneNN
@testable import PrunePruning
import PruneTensor
import XCTest

final class CriteriaTests: XCTestCase {
    /// A small classification problem: 3 classes of Gaussian blobs in 8 dimensions, as images [N, 1, 2, 4].
    func data(count: Int = 256, seed: UInt64 = 1) throws -> LabeledImages {
        var rng = RandomGenerator(seed: seed)
        var x: [Float] = [], y: [Int] = []
        for i in 0..<count {
            let c = i % 3
            for d in 0..<8 { x.append(rng.nextNormal() * 0.5 + (d % 3 == c ? 1.5 : 0)) }
            y.append(c)
        }
        return try LabeledImages(images: Tensor(shape: [count, 1, 2, 4], scalars: x), labels: y, classes: 3)
    }

    func trainedModel() throws -> (Sequential, LabeledImages) {
        var rng = RandomGenerator(seed: 2)
        let m = Sequential(named: [("flat", Flatten()), ("fc1", Linear(8, 16, rng: &rng)), ("relu", ReLU()), ("fc2", Linear(16, 3, rng: &rng))])
        let d = try data()
        _ = try FineTuner.run(m, data: d, normalization: (0, 1), options: FineTuningOptions(epochs: 30, learningRate: 1e-2, learningRateMultiplier: 1, batchSize: 32),
                              epochs: 30, teacher: nil)
        let accuracy = try Trainer.evaluate(m, loader: DataLoader(d, batchSize: 64)).accuracy
        XCTAssertGreaterThan(accuracy, 0.9, "the toy model must learn its blobs")
        return (m, d)
    }

    func testEveryCriterionScoresAndDataCriteriaMeasure() throws {
        let (m, d) = try trainedModel()
        let targets = PruningTarget.all(in: m)
        let loader = try DataLoader(d, batchSize: 64)
        let stats = try Calibration.collect(model: m, targets: targets, needs: [LossGradients(), HessianDiagonal(), InputNorms(), OutputActivations(), MovementScores(),
                                                                                   FeatureMapRanks()],
                                            loader: loader, batches: 4, settings: CalibrationSettings(probes: 2))
        XCTAssertEqual(stats.gradientBatches, 4)
        XCTAssertEqual(stats.inputNormSquareSums["fc1"]?.count, 8)
        XCTAssertEqual(stats.inputNormSquareSums["fc2"]?.count, 16)
        // fpgm, bn, thinet, lasso and dcp score channels of dependency groups only (checked in their own tests).
        for name in ImportanceRegistry.names where !["fpgm", "bn", "thinet", "lasso", "dcp"].contains(name) {
            let c = try ImportanceRegistry.make(name)
            for t in targets {
                let s = try c.elementScores(t, statistics: stats)
                XCTAssertEqual(s.count, t.count, name)
                XCTAssertTrue(s.allSatisfy { $0.isFinite && ($0 >= 0 || name == "movement") }, name)
            }
        }
        // Wanda multiplies |w| by the input norm of its column.
        let t = targets[0]
        let w = try WandaImportance().elementScores(t, statistics: stats)
        let norms = stats.inputNormSquareSums["fc1"]!.map { $0.squareRoot() }
        XCTAssertEqual(w[3 * 8 + 5], abs(t.parameter.value.scalars[3 * 8 + 5]) * norms[5], accuracy: 1e-6)
        // Data criteria without statistics say what is missing.
        XCTAssertThrowsError(try TaylorImportance().elementScores(t, statistics: .none)) { e in XCTAssertTrue("\(e)".contains("gradients")) }
    }

    /// Hutchinson's estimate with finite-difference Hessian-vector products against the exact
    /// cross-entropy Hessian of the last layer, in closed form: for logits z = W h + b and softmax p,
    /// H[(a,b),(c,d)] = mean_n (p_a·δ_ac − p_a·p_c)·h_b·h_d. One Rademacher probe errs on element i by
    /// a variable of variance Σ_{k≠i} H_ik², so P probes stay within 5·√(that / P) of the diagonal.
    func testHessianDiagonalMatchesTheClosedFormForTheLastLayer() throws {
        let (m, d) = try trainedModel()
        let fc2 = PruningTarget.all(in: m).last!
        let loader = try DataLoader(d, batchSize: 256)
        let probes = 4000
        let stats = try Calibration.collect(model: m, targets: [fc2], needs: [HessianDiagonal()], loader: loader, batches: 1,
                                            settings: CalibrationSettings(probes: probes, epsilon: 1e-2))
        var hidden: Tensor?
        let logits = try withNoGrad { () throws -> Tensor in
            try ActivationRecorder.forward(m, Variable(d.images)) { path, _, input in if path == "fc2" { hidden = input } }.value
        }
        let h = hidden!.scalars, n = d.count, k = 3, j = 16
        let p = try logits.softmax(axis: 1).scalars
        var hessian = [Double](repeating: 0, count: (k * j) * (k * j))
        for i in 0..<n { for a in 0..<k { for c in 0..<k {
            let q = Double(p[i * k + a]) * ((a == c ? 1 : 0) - Double(p[i * k + c])) / Double(n)
            for b in 0..<j { for e in 0..<j {
                hessian[(a * j + b) * (k * j) + c * j + e] += q * Double(h[i * j + b]) * Double(h[i * j + e])
            } }
        } } }
        let est = stats.hessianDiagonals[fc2.path]!
        for r in 0..<(k * j) {
            let diagonal = hessian[r * (k * j) + r]
            let off = (0..<(k * j)).reduce(0.0) { $0 + ($1 == r ? 0 : hessian[r * (k * j) + $1] * hessian[r * (k * j) + $1]) }
            XCTAssertEqual(Double(est[r]), diagonal, accuracy: 5 * (off / Double(probes)).squareRoot() + 1e-4, "element \(r)")
        }
    }

    func testLAMPAndFPGMByHand() throws {
        var rng = RandomGenerator(seed: 0)
        let layer = Linear(2, 4, rng: &rng)
        layer.weight.value = try Tensor(shape: [4, 2], scalars: [1, 0, 0, 2, 0.5, 0.5, 3, 0])
        let m = Sequential(named: [("fc", layer)])
        let t = PruningTarget.all(in: m)[0]
        // LAMP, unstructured: squares [1, 0, 0, 4, .25, .25, 9, 0] sorted ascending; score = w² / Σ of the larger-or-equal.
        let g = try PatternGroups.make(.unstructured, for: t)
        let lamp = try LAMPImportance().groupScores(t, groups: g, statistics: .none)
        XCTAssertEqual(lamp[6], 1, accuracy: 1e-12)              // the largest is always 1
        XCTAssertEqual(lamp[3], 4.0 / 13, accuracy: 1e-12)
        XCTAssertEqual(lamp[0], 1.0 / 14, accuracy: 1e-12)
        // FPGM: filters (rows) (1,0), (0,2), (.5,.5), (3,0); (.5,.5) is nearest the others.
        let rows = try PatternGroups.make(.outputChannels, for: t)
        let fpgm = try FPGMImportance().groupScores(t, groups: rows, statistics: .none)
        XCTAssertEqual(fpgm.indices.min { fpgm[$0] < fpgm[$1] }, 2)
        XCTAssertThrowsError(try FPGMImportance().groupScores(t, groups: g, statistics: .none))
    }

    func testMaskedWeightsStayZeroThroughFineTuning() throws {
        let (m, d) = try trainedModel()
        let targets = PruningTarget.all(in: m)
        let masks = try MaskBuilder.masks(targets: targets, criterion: MagnitudeImportance(), statistics: .none, pattern: .unstructured,
                                          scope: PruningScope(), sparsity: 0.6)
        for t in targets { t.parameter.mask = Tensor(unchecked: t.shape, masks[t.path]!) }
        _ = try FineTuner.run(m, data: d, normalization: (0, 1), options: FineTuningOptions(epochs: 3, learningRate: 1e-2, learningRateMultiplier: 1, batchSize: 16),
                              epochs: 3, teacher: nil)
        for t in targets {
            let mask = masks[t.path]!
            let eff = t.parameter.effectiveValue.scalars
            let grad = t.parameter.grad?.scalars
            for i in mask.indices where mask[i] == 0 {
                XCTAssertEqual(eff[i], 0)
                if let grad { XCTAssertEqual(grad[i], 0) }
            }
            t.parameter.bake()
            XCTAssertNil(t.parameter.mask)
            for i in mask.indices where mask[i] == 0 { XCTAssertEqual(t.parameter.value.scalars[i], 0) }
        }
    }

    func testActivationStatisticsAndMovement() throws {
        let (m, d) = try trainedModel()
        let targets = PruningTarget.all(in: m)
        let stats = try Calibration.collect(model: m, targets: targets, needs: [OutputActivations()], loader: DataLoader(d, batchSize: 256), batches: 1)
        // Recompute fc1's post-ReLU statistics directly.
        var out: Tensor?
        _ = try withNoGrad { try ActivationRecorder.forward(m, Variable(d.images), record: { _, _, _ in }, recordOutput: { p, _, y in if p == "fc1" { out = y } }) }
        let y = out!.scalars, c = 16, n = d.count
        for ch in [0, 7, 15] {
            let a = (0..<n).map { Double(max(y[$0 * c + ch], 0)) }
            let mean = a.reduce(0, +) / Double(n)
            let variance = a.reduce(0) { $0 + $1 * $1 } / Double(n) - mean * mean
            let nonzero = Double(a.filter { $0 > 0 }.count) / Double(n)
            let t = targets[0]
            XCTAssertEqual(try ActivationImportance(statistic: .meanMagnitude).channelScores(t, statistics: stats)[ch], mean, accuracy: 1e-9)
            XCTAssertEqual(try ActivationImportance(statistic: .variance).channelScores(t, statistics: stats)[ch], variance, accuracy: 1e-6)
            XCTAssertEqual(try ActivationImportance(statistic: .nonZeroFraction).channelScores(t, statistics: stats)[ch], nonzero, accuracy: 1e-9)
        }
        // Movement: −Σ w·g over the steps, and the steps move the weights.
        let before = targets[0].parameter.value
        let moved = try Calibration.collect(model: m, targets: targets, needs: [MovementScores()], loader: DataLoader(d, batchSize: 32, shuffle: true), batches: 3,
                                            settings: CalibrationSettings(movementLearningRate: 1e-3))
        XCTAssertEqual(moved.movementScores[targets[0].path]?.count, targets[0].count)
        XCTAssertNotEqual(targets[0].parameter.value, before)
        XCTAssertTrue(moved.movementScores.values.allSatisfy { $0.allSatisfy(\.isFinite) })
    }

    func testSchedules() throws {
        let rounds = try IterativeSchedule.targets(rate: 0.5, target: 0.9)
        XCTAssertEqual(rounds, [0.5, 0.75, 0.875, 0.9])
        // AGP: s_i at t0, s_f at t0 + nΔt, cubic in between, nil off the grid.
        XCTAssertEqual(GradualSchedule(initialSparsity: 0, startStep: 10, frequency: 5, pruningSteps: 4).sparsity(atStep: 10, final: 0.9), 0)
        XCTAssertEqual(GradualSchedule(initialSparsity: 0, startStep: 10, frequency: 5, pruningSteps: 4).sparsity(atStep: 30, final: 0.9)!, 0.9, accuracy: 1e-12)
        XCTAssertEqual(GradualSchedule(initialSparsity: 0, startStep: 10, frequency: 5, pruningSteps: 4).sparsity(atStep: 20, final: 0.9)!, 0.9 * (1 - 0.125), accuracy: 1e-12)
        XCTAssertNil(GradualSchedule(initialSparsity: 0, startStep: 10, frequency: 5, pruningSteps: 4).sparsity(atStep: 21, final: 0.9))
        XCTAssertNil(GradualSchedule(initialSparsity: 0, startStep: 10, frequency: 5, pruningSteps: 4).sparsity(atStep: 35, final: 0.9))
    }
}
