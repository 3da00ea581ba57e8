import XCTest
import Foundation
import Prune

/// Logit distillation and LoRA on a small random Llama, checked against independent computations:
/// the adapter's output and merge by hand, the KL loss in Double from the two models' logits, its
/// gradient by central differences; training lowers the loss and leaves what it must not touch.
final class DistillationTests: XCTestCase {
    let windows = TinyLlama.rows(count: 1, length: 9, seed: 21)

    func klByHand(_ teacher: LlamaModel, _ student: LlamaModel, _ rows: [[Int]]) throws -> Double {
        try TinyLlama.meanKL(teacher, student, [rows])
    }

    func testLoRAForwardAndMergeEqualTheLowRankUpdateByHand() throws {
        var rng = RandomGenerator(seed: 4)
        let base = Linear(7, 5, rng: &rng)
        let lora = try LoRALinear(wrapping: base, rank: 2, alpha: 6, rng: &rng)
        let x = Tensor(unchecked: [3, 7], (0..<21).map { _ in rng.nextNormal() })
        let before = try withNoGrad { try lora.forward(Variable(x)).value.scalars }
        XCTAssertEqual(before, try withNoGrad { try base.forward(Variable(x)).value.scalars }, "B starts at zero")
        lora.up.value = Tensor(unchecked: [5, 2], (0..<10).map { _ in rng.nextNormal() })
        let w = base.weight.value.scalars, a = lora.down.value.scalars, b = lora.up.value.scalars
        let bias = base.bias!.value.scalars, xs = x.scalars
        let y = try withNoGrad { try lora.forward(Variable(x)).value.scalars }
        let merged = try lora.merged()
        let ym = try withNoGrad { try merged.forward(Variable(x)).value.scalars }
        for r in 0..<3 { for o in 0..<5 {
            var expected = Double(bias[o])
            for i in 0..<7 {
                let delta = (0..<2).reduce(0.0) { $0 + Double(b[o * 2 + $1]) * Double(a[$1 * 7 + i]) } * 3
                expected += (Double(w[o * 7 + i]) + delta) * Double(xs[r * 7 + i])
            }
            XCTAssertEqual(Double(y[r * 5 + o]), expected, accuracy: 1e-4)
            XCTAssertEqual(Double(ym[r * 5 + o]), expected, accuracy: 1e-4)
        } }
        XCTAssertFalse(base.weight.requiresGrad, "the wrapped weight is frozen")
        XCTAssertTrue(merged.weight.requiresGrad)
        XCTAssertThrowsError(try LoRALinear(wrapping: base, rank: 6, alpha: 1, rng: &rng)) {
            XCTAssertTrue("\($0)".contains("rank 6 must be in 1…5"), "\($0)")
        }
    }

    func testTheLossAndItsGradientEqualKLAndCentralDifferences() throws {
        let teacher = try TinyLlama.model(seed: 3), student = try TinyLlama.model(seed: 8)
        let rows = windows[0]
        var job = LogitDistillation(steps: 1, trainables: AllWeightsTrainable())
        job.maxGradientNorm = nil
        _ = try job.trainables.prepare(student, seed: 0)
        student.zeroGrad()
        let loss = try job.accumulate(teacher: teacher, student: student, rows: rows, step: 0)
        XCTAssertEqual(loss, try klByHand(teacher, student, rows.rows), accuracy: 1e-5 * max(1, loss))
        let probes: [(String, Int)] = [
            ("model.layers.0.mlp.up_proj.weight", 17), ("model.layers.1.self_attn.q_proj.weight", 5),
            ("model.layers.0.input_layernorm.weight", 3), ("model.embed_tokens.weight", 50), ("model.norm.weight", 9)]
        for (path, index) in probes {
            let p = try student.parameter(at: path)
            let analytic = Double(try XCTUnwrap(p.grad).scalars[index]), h: Float = 1e-2
            let original = p.value.scalars[index]
            p.value.scalars[index] = original + h
            let plus = try klByHand(teacher, student, rows.rows)
            p.value.scalars[index] = original - h
            let minus = try klByHand(teacher, student, rows.rows)
            p.value.scalars[index] = original
            let numeric = (plus - minus) / (2 * Double(h))
            XCTAssertEqual(analytic, numeric, accuracy: 2e-3 + 2e-2 * abs(numeric), "\(path)[\(index)]")
        }
    }

    func testLoRADistillationTrainsOnlyTheAdaptersAndLowersTheLoss() throws {
        let teacher = try TinyLlama.model(seed: 3), student = try TinyLlama.model(seed: 3)
        try student.layers[1].mlp.keep(units: Array(0..<12))
        student.syncConfigWithLayers()
        let data = TinyLlama.rows(count: 1, length: 12, seed: 30) + TinyLlama.rows(count: 1, length: 12, seed: 31)
        let norm = student.layers[0].inputNorm.weight.value.scalars, embedding = student.embedding.weight.value.scalars
        let before = try klByHand(teacher, student, data[0].rows)
        var job = LogitDistillation(steps: 40, trainables: LoRAAdapters(rank: 2, alpha: 4))
        job.learningRate = 1e-2
        let report = try job.run(teacher: teacher, student: student, windows: data)
        let after = try klByHand(teacher, student, data[0].rows)
        XCTAssertLessThan(after, before * 0.7, "KL \(before) → \(after)")
        XCTAssertEqual(report.losses.count, 40)
        XCTAssertEqual(report.losses[0], before, accuracy: 1e-5 * max(1, before), "step 1 reads the first window")
        // rank 2 on every projection, 2·(in + out) each: block 0 as built, block 1 with 12 MLP units.
        XCTAssertEqual(report.trainedParameters,
                       2 * (40 + 24 + 24 + 40 + 40 + 40 + 40) + 2 * (40 + 24 + 24 + 40 + 28 * 3))
        XCTAssertFalse(student.namedModules().contains { $0.module is LoRALinear }, "adapters are merged")
        XCTAssertEqual(student.layers[1].mlp.down.inFeatures, 12, "shapes stay pruned")
        XCTAssertEqual(student.layers[0].inputNorm.weight.value.scalars, norm, "norms are frozen")
        XCTAssertEqual(student.embedding.weight.value.scalars, embedding, "the embedding is frozen")
        XCTAssertTrue(student.parameters().allSatisfy { $0.parameter.requiresGrad })
    }

    func testAllWeightsDistillationLowersTheLossAndRefusesBadBudgets() throws {
        let teacher = try TinyLlama.model(seed: 3), student = try TinyLlama.model(seed: 3)
        try student.layers[0].attention.keep(groups: [KeptHeadGroup(keyValueHead: 1, queryHeads: [3, 4, 5])])
        student.syncConfigWithLayers()
        let before = try klByHand(teacher, student, windows[0].rows)
        var job = LogitDistillation(steps: 25, trainables: AllWeightsTrainable())
        job.learningRate = 3e-3
        _ = try job.run(teacher: teacher, student: student, windows: windows)
        XCTAssertLessThan(try klByHand(teacher, student, windows[0].rows), before * 0.5)
        job.steps = 0
        XCTAssertThrowsError(try job.run(teacher: teacher, student: student, windows: windows)) {
            XCTAssertTrue("\($0)".contains("≥ 1 step"), "\($0)")
        }
        job.steps = 1
        XCTAssertThrowsError(try job.run(teacher: teacher, student: student, windows: [])) {
            XCTAssertTrue("\($0)".contains("no text windows"), "\($0)")
        }
    }
}
