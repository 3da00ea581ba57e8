import Foundation
import PruneNN
import PruneTensor
@testable import PrunePruning
import XCTest

final class RecipeTests: XCTestCase {
    func testParsesEverySection() throws {
        let r = try Recipe.parse("""
        model: lenet5
        weights: w.safetensors
        train: {epochs: 3, seed: 7}
        prune:
          criterion: taylor
          granularity: "2:4"
          scope: protected
          protect: 0.05
          include: ["features.*"]
          exclude: [classifier.3]
          keep_first_last: true
          schedule: iterative
          rate: 0.3
        finetune:
          epochs: 2
          lr_multiplier: 0.5
          distill: {weight: 0.7, temperature: 2}
        out: pruned.safetensors
        """)
        XCTAssertEqual(r.model, "lenet5")
        XCTAssertEqual(r.trainEpochs, 3)
        XCTAssertEqual(r.trainSeed, 7)
        XCTAssertEqual(r.settings.criterion.name, "taylor")
        XCTAssertEqual(r.settings.include, ["features.*"])
        XCTAssertEqual(r.settings.exclude, ["classifier.3"])
        XCTAssertTrue(r.settings.keepFirstLast)
        XCTAssertEqual(r.settings.distillWeight, 0.7)
        XCTAssertEqual(r.patternLines["features.*"], 9)
        let plan = try r.settings.plan(trainCount: 1000)
        XCTAssertEqual(plan.pattern, .nOfM(n: 2, m: 4))
        XCTAssertEqual(plan.effectiveSparsity, 0.5)
        XCTAssertEqual(plan.scope.distribution, .globalProtected(minimumKept: 0.05))
        XCTAssertTrue(plan.schedule.isEqual(to: IterativeSchedule(rate: 0.3, epochsPerRound: 2)))
    }

    func testErrorsNameTheLineAndTheReason() {
        func error(_ text: String) -> RecipeError? {
            do { _ = try Recipe.parse(text); return nil } catch { return error as? RecipeError }
        }
        XCTAssertEqual(error("model: lenet300\nprune:\n  sparsty: 0.9\n")?.line, 3)
        XCTAssertTrue(error("model: lenet300\nprune:\n  sparsty: 0.9\n")!.message.contains("unknown key \"sparsty\""))
        let impossible = error("prune:\n  criterion: magnitude\n  sparsity: 1.2\n")
        XCTAssertEqual(impossible?.line, 3)
        XCTAssertTrue(impossible!.description.contains("recipe line 3") && impossible!.description.contains("impossible"), impossible!.description)
        XCTAssertEqual(error("model: alexnet\n")?.line, 1)
        XCTAssertEqual(error("prune:\n  criterion: vibes\n")?.line, 2)
        XCTAssertEqual(error("prune:\n  granularity: \"2:4\"\n  sparsity: 0.9\n")?.line, 3)
        XCTAssertEqual(error("finetune:\n  epochs: many\n")?.line, 2)
        XCTAssertNotNil(error("prune: [1, 2\n"))   // broken YAML
        XCTAssertNotNil(error(""))
    }

    func testALatencyTargetSection() throws {
        let r = try Recipe.parse("""
        model: resnet-small
        weights: w.safetensors
        prune:
          structured: {target: latency, ratio: 0.6667, latency_engine: onnxruntime, latency_batch: 64, search: amc,
                       latency_table: t.json}
        """)
        XCTAssertEqual(r.settings.structured?.latencyTable, "t.json")
        let st = try XCTUnwrap(r.settings.structured)
        XCTAssertEqual(st.target, .latency)
        XCTAssertEqual(st.latencyEngine, "onnxruntime")
        XCTAssertEqual(st.latencyBatch, 64)
        XCTAssertEqual(st.search, "amc")
        for (section, message) in [("{target: latency, ratio: 0.5}", "add --ratio-search"),
                                   ("{target: latency, search: random, latency_engine: tpu}",
                                    "unknown latency engine tpu"),
                                   ("{target: latency, search: random, latency_batch: 0}", "latency_batch")] {
            let text = "model: lenet5\nweights: w.safetensors\nprune:\n  structured: \(section)\n"
            XCTAssertThrowsError(try Recipe.parse(text)) {
                XCTAssertTrue("\($0)".contains(message), "\($0)")
            }
        }
    }

    func testALayerOrFilterSection() throws {
        let r = try Recipe.parse("model: resnet-small\nweights: w.safetensors\nprune:\n"
                                 + "  structured: {ratio: 0.5, layer_or_filter: cka}\n")
        XCTAssertEqual(r.settings.structured?.layerOrFilter, true)
        for (section, message) in [("{layer_or_filter: svd}", "by cka"),
                                   ("{layer_or_filter: cka, search: random}", "layer-or-filter"),
                                   ("{layer_or_filter: cka, target: channels}", "layer-or-filter")] {
            let text = "model: lenet5\nweights: w.safetensors\nprune:\n  structured: \(section)\n"
            XCTAssertThrowsError(try Recipe.parse(text)) { XCTAssertTrue("\($0)".contains(message), "\($0)") }
        }
    }

    func testADCPStageSection() throws {
        let r = try Recipe.parse("model: lenet5\nweights: w.safetensors\nprune:\n"
                                 + "  structured: {importance: dcp, dcp_stage_epochs: 2}\n")
        XCTAssertEqual(r.settings.structured?.dcpStageEpochs, 2)
        for (section, message) in [("{importance: l2, dcp_stage_epochs: 1}", "--channel-importance dcp"),
                                   ("{importance: dcp, dcp_stage_epochs: -1}", "dcp_stage_epochs")] {
            let text = "model: lenet5\nweights: w.safetensors\nprune:\n  structured: \(section)\n"
            XCTAssertThrowsError(try Recipe.parse(text)) { XCTAssertTrue("\($0)".contains(message), "\($0)") }
        }
    }

    func testAStructuredSectionWithAReconstruction() throws {
        let r = try Recipe.parse("""
        model: lenet5
        weights: w.safetensors
        prune:
          structured: {target: flops, ratio: 0.5, importance: thinet, reconstruct: Scales}
        """)
        XCTAssertEqual(r.settings.structured?.importance.name, "thinet")
        XCTAssertEqual(r.settings.structured?.reconstruction, "scales")
        let searched = try Recipe.parse("""
        model: lenet5
        weights: w.safetensors
        prune:
          structured: {target: flops, ratio: 0.5, search: Evolutionary, search_population: 6, search_generations: 3}
        """)
        XCTAssertEqual(searched.settings.structured?.search, "evolutionary")
        XCTAssertEqual(searched.settings.structured?.searchPopulation, 6)
        XCTAssertEqual(searched.settings.structured?.searchGenerations, 3)
        let recalibrated = try Recipe.parse("""
        model: resnet-small
        weights: w.safetensors
        prune:
          structured: {recalibrate_bn: 12}
        """)
        XCTAssertEqual(recalibrated.settings.structured?.recalibrationBatches, 12)
        XCTAssertThrowsError(try Recipe.parse("""
        model: lenet5
        weights: w.safetensors
        prune:
          structured: {target: channels, ratio: 0.5, search: random}
        """)) { error in XCTAssertTrue("\(error)".contains("FLOPs, latency or energy target"), "\(error)") }
        XCTAssertThrowsError(try Recipe.parse("""
        model: lenet5
        weights: w.safetensors
        prune:
          structured: {importance: lasso,
                       reconstruct: bogus}
        """)) { error in
            XCTAssertTrue("\(error)".contains("line 5") && "\(error)".contains("weights, scales"), "\(error)")
        }
    }

    func testATrainingTimeMethodSection() throws {
        let r = try Recipe.parse("model: lenet5\ntrain:\n  method: RigL\n  sparsity: 0.95\n  epochs: 4\n"
                                 + "  update_every: 50\n  batch_size: 32\nout: o.safetensors\n")
        var expected = TrainingMethodSettings(method: "rigl", sparsity: 0.95)
        expected.updateEvery = 50; expected.batchSize = 32
        XCTAssertEqual(r.trainingMethod, expected)
        XCTAssertEqual(r.trainEpochs, 4)
        XCTAssertEqual(r.trainLearningRate, 0.05, "SGD's rate when train.lr is not given")
        XCTAssertEqual(try Recipe.parse("train: {method: imp, sparsity: 0.9, lr: 0.1, imp_rounds: 5}")
            .trainingMethod?.lotteryRounds, 5)
        XCTAssertEqual(try Recipe.parse("train: {method: imp, sparsity: 0.9, lr: 0.1}").trainLearningRate, 0.1)
        XCTAssertEqual(try Recipe.parse("train: {method: dense}").trainingMethod?.sparsity, 0)
        XCTAssertNil(try Recipe.parse("train: {epochs: 2}").trainingMethod)
        func error(_ text: String) -> RecipeError? {
            do { _ = try Recipe.parse(text); return nil } catch { return error as? RecipeError }
        }
        XCTAssertEqual(error("train:\n  method: set\n")?.line, 2)
        XCTAssertTrue(error("train:\n  method: set\n")!.message.contains("train.sparsity"))
        XCTAssertEqual(error("train:\n  method: set\n  sparsity: 1\n")?.line, 3)
        XCTAssertTrue(error("train:\n  epochs: 2\n  update_every: 10\n")!.message.contains("train.method"))
        let both = error("train: {method: rigl, sparsity: 0.9}\nprune:\n  sparsity: 0.5\n")
        XCTAssertEqual(both?.line, 3, "the section's first line")
        XCTAssertTrue(both!.message.contains("does not apply"), both!.message)
    }

    /// Every recipe and sweep grid in recipes/ reads without an error (the README points at them).
    func testTheCommittedRecipesParse() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("recipes")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
        XCTAssertTrue(files.contains("lenet300-rigl-95.yaml"))
        for f in files where !f.hasPrefix("sweep-") {
            XCTAssertNoThrow(try Recipe.load(path: folder.appendingPathComponent(f).path), f)
        }
        // Sweep grids: every cell's recipe reads too.
        for f in files where f.hasPrefix("sweep-") {
            XCTAssertFalse(try SweepGrid.load(path: folder.appendingPathComponent(f).path).cells().isEmpty, f)
        }
        XCTAssertTrue(files.contains("sweep-lenet300.yaml"))
        let rigl = try Recipe.load(path: folder.appendingPathComponent("lenet300-rigl-95.yaml").path)
        XCTAssertEqual(rigl.trainingMethod, TrainingMethodSettings(method: "rigl", sparsity: 0.95))
    }

    func testAnONNXModelAndItsCalibrationData() throws {
        let r = try Recipe.parse("model: exported/cnn.onnx\ncalibration: inputs.safetensors\nprune:\n  sparsity: 0.5\n")
        XCTAssertEqual(r.model, "exported/cnn.onnx")
        XCTAssertEqual(r.calibration, "inputs.safetensors")
        XCTAssertThrowsError(try Recipe.parse("model: exported/cnn.pt\n"))
    }

    func testLayerNamesThatMatchNothingAreReportedWithTheirLine() throws {
        let r = try Recipe.parse("model: lenet300\nprune:\n  include:\n    - fc1\n    - decoder.*\n")
        var rng = RandomGenerator(seed: 0)
        let model = Sequential(named: [("fc1", Linear(4, 4, rng: &rng)), ("fc2", Linear(4, 2, rng: &rng))])
        XCTAssertThrowsError(try r.validate(against: model)) { e in
            let re = e as? RecipeError
            XCTAssertEqual(re?.line, 5)
            XCTAssertTrue(re?.message.contains("decoder.*") ?? false)
        }
    }
}
