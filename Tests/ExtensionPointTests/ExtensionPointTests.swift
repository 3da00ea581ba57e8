import Foundation
import Prune
import TestSupport
import XCTest

/// A criterion, a layer and a schedule defined in this test target (one file each), used through the
/// library's public API only (`import Prune`, no `@testable`).
final class ExtensionPointTests: XCTestCase {
    override class func setUp() {
        super.setUp()
        try? ImportanceRegistry.register(RowDeviationImportance.self)
        try? ScheduleRegistry.register(TwoStepSchedule.self)
    }

    /// Row-deviation scores of a weight matrix, computed here independently of the criterion.
    private func deviations(_ w: [Float], rows: Int) -> [[Double]] {
        let n = w.count / rows
        return (0..<rows).map { r in
            let row = w[(r * n)..<((r + 1) * n)].map(Double.init)
            let mean = row.reduce(0, +) / Double(n)
            return row.map { Swift.abs($0 - mean) }
        }
    }

    func testTheNewCriterionPrunesUnstructuredNOfMAndChannelsOfLeNet5() throws {
        XCTAssertTrue(ImportanceRegistry.names.contains("row-deviation"))
        let criterion = try ImportanceRegistry.make("row-deviation")
        let model = try ModelZoo.make("lenet5", seed: 3)
        let targets = PruningTarget.all(in: model)
        // Unstructured, layerwise 60%: each layer keeps exactly its highest-deviation weights.
        let masks = try MaskBuilder.masks(targets: targets, criterion: criterion, statistics: .none, pattern: .unstructured,
                                          scope: PruningScope(distribution: .layerwise), sparsity: 0.6)
        for t in targets {
            let scores = deviations(t.parameter.value.scalars, rows: t.outputs).flatMap { $0 }
            let threshold = scores.sorted()[Int((0.6 * Double(t.count)).rounded()) - 1]
            for (i, m) in masks[t.path]!.enumerated() where scores[i] != threshold {
                XCTAssertEqual(m, scores[i] > threshold ? 1 : 0, "\(t.path)[\(i)]")
            }
        }
        // 2:4 on the fully connected layers: in every run of four inputs, the two highest deviations stay.
        let fc = targets.filter { $0.shape.count == 2 }
        let nm = try MaskBuilder.masks(targets: fc, criterion: criterion, statistics: .none, pattern: .nOfM(n: 2, m: 4),
                                       scope: PruningScope(distribution: .layerwise), sparsity: 0)
        for t in fc {
            let scores = deviations(t.parameter.value.scalars, rows: t.outputs).flatMap { $0 }
            for run in stride(from: 0, to: t.count, by: 4) {
                let best = Set((run..<(run + 4)).sorted { scores[$0] > scores[$1] }.prefix(2))
                for i in run..<(run + 4) { XCTAssertEqual(nm[t.path]![i], best.contains(i) ? 1 : 0) }
            }
        }
        // Channels, physically: conv1 keeps the 8 filters with the largest summed deviation, in order.
        let conv1 = try model.parameter(at: "features.0.weight").value
        let filterScores = deviations(conv1.scalars, rows: 16).map { $0.reduce(0, +) }
        let expected = (0..<16).sorted { filterScores[$0] > filterScores[$1] }.prefix(8).sorted()
        _ = try StructuredPruner(criterion: criterion, target: .channelRatio(0.5))
            .prune(model, example: Tensor.zeros([1, 1, 28, 28]))
        let kept = try model.parameter(at: "features.0.weight").value
        XCTAssertEqual(kept.shape, [8, 1, 5, 5])
        let rowSize = 25
        for (k, c) in expected.enumerated() {
            XCTAssertEqual(Array(kept.scalars[(k * rowSize)..<((k + 1) * rowSize)]),
                           Array(conv1.scalars[(c * rowSize)..<((c + 1) * rowSize)]), "filter \(c)")
        }
        XCTAssertEqual(try model.forward(Variable(Tensor.zeros([2, 1, 28, 28]))).shape, [2, 10])
    }

    func testTheNewLayerIsPrunedStructurallyAndConvertedToASparseLayer() throws {
        var rng = RandomGenerator(seed: 5)
        var w = Tensor.normal([16, 12], using: &rng)
        for r in stride(from: 1, to: 16, by: 2) { for j in 0..<12 { w.scalars[r * 12 + j] = 0 } }   // 8 dead outputs
        let gain = Tensor.uniform([16], low: 0.5, high: 2, using: &rng)
        let bias = Tensor(unchecked: [16], (0..<16).map { $0 % 2 == 1 ? 0 : 0.1 })
        let head = Linear(weight: Tensor.normal([4, 16], using: &rng), bias: nil)
        let model = Sequential([GainLinear(weight: w, gain: gain, bias: bias), ReLU(), head])
        let x = Tensor.normal([5, 12], using: &rng)
        let before = try model.forward(Variable(x)).value
        let result = try StructuredPruner(criterion: MagnitudeImportance(norm: .l2), target: .channelRatio(0.5))
            .prune(model, example: x)
        XCTAssertEqual(result.groups.first?.channelsAfter, 8)
        XCTAssertEqual(try model.parameter(at: "0.weight").value.shape, [8, 12])
        XCTAssertEqual(try model.parameter(at: "2.weight").value.shape, [4, 8])
        let after = try model.forward(Variable(x)).value
        for (a, b) in zip(after.scalars, before.scalars) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        // Masks reach it as a PrunableWeightLayer; the masked layer converts to a CSR SparseLinear.
        let target = try XCTUnwrap(PruningTarget.all(in: model).first { $0.layerPath == "0" })
        let masks = try MaskBuilder.masks(targets: [target], criterion: MagnitudeImportance(), statistics: .none,
                                          pattern: .unstructured, scope: PruningScope(distribution: .layerwise), sparsity: 0.75)
        target.parameter.mask = Tensor(unchecked: target.shape, masks[target.path]!)
        let masked = try model.forward(Variable(x)).value
        let converted = try SparseLinear.convert(model, minimumSparsity: 0.5, chooser: nil)
        XCTAssertEqual(converted.map(\.path), ["0"])
        XCTAssertTrue(try model.module(at: "0") is SparseLinear)
        let sparse = try model.forward(Variable(x)).value
        for (a, b) in zip(sparse.scalars, masked.scalars) { XCTAssertEqual(a, b, accuracy: 1e-4) }
    }

    func testTheNewScheduleRunsAJobOnFashionMNIST() throws {
        guard FashionMNIST.isAvailable() else { throw MissingTestInput("Fashion-MNIST (Debian dataset-fashion-mnist)") }
        var data = ImageDataSource()
        data.trainLimit = 2000
        data.testLimit = 500
        var settings = PruneSettings()
        settings.criterion = try CriterionName(parsing: "row-deviation")
        settings.schedule = try ScheduleName(parsing: "two-step")
        settings.sparsity = 0.8
        settings.learningRateMultiplier = 1
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("prune-two-step-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let log = LineLog()
        // The whole library job: the dense model is trained first (one epoch) since its file is missing.
        let report = try PruningJob.run(.init(model: "lenet300", weights: dir + "/dense.safetensors", trainIfMissing: (1, 0, 1e-3),
                                              settings: settings, out: dir + "/pruned.safetensors"), data: data, log: log)
        XCTAssertEqual(log.lines.filter { $0.hasPrefix("step ") }, ["step 1: sparsity 0.400", "step 2: sparsity 0.800"])
        XCTAssertEqual(report.settings["schedule"], "two-step")
        XCTAssertEqual(report.settings["criterion"], "row-deviation")
        XCTAssertEqual(report.scopeSparsity, 0.8, accuracy: 1e-3)
        XCTAssertGreaterThan(try XCTUnwrap(report.accuracyAfterFineTuning), 0.5, "fine-tuning on 2,000 images learns")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/pruned.safetensors"))
    }
}

/// Collects a job's commentary.
final class LineLog: JobLog {
    var lines: [String] = []
    func info(_ line: String) { lines.append(line) }
    func progress(_ line: String) {}
    func endProgress() {}
    func warning(_ line: String) { lines.append(line) }
}

extension ExtensionPointTests {
    func testTheNewCalibrationNeedIsMeasuredInTheSharedPass() throws {
        let model = try ModelZoo.make("lenet5", seed: 1)
        var rng = RandomGenerator(seed: 2)
        let images = Tensor.uniform([8, 1, 28, 28], low: 0, high: 1, using: &rng)
        let data = try LabeledImages(images: images, labels: (0..<8).map { $0 % 10 }, classes: 10)
        let targets = PruningTarget.all(in: model)
        let stats = try Calibration.collect(model: model, targets: targets, needs: [PeakActivations(), OutputActivations()],
                                            loader: try DataLoader(data, batchSize: 4), batches: 2)
        // Independently: conv1's activation after its ReLU is features.1's output.
        let features = try XCTUnwrap(try model.module(at: "features") as? Sequential)
        let relu = try features.layers[1].1.forward(try features.layers[0].1.forward(Variable(images))).value
        let hw = 28 * 28
        for c in 0..<16 {
            var peak = 0.0
            for b in 0..<8 { for i in 0..<hw { peak = max(peak, Double(relu.scalars[(b * 16 + c) * hw + i])) } }
            XCTAssertEqual(stats.custom["peak-activations"]?["features.0"]?[c] ?? -1, peak, accuracy: 1e-5, "channel \(c)")
        }
        XCTAssertEqual(stats.outputCounts["features.0"], Double(8 * hw))
    }
}

extension ExtensionPointTests {
    /// The new budget drives a search: every candidate keeps at most half of the convolution weights, and
    /// the model pruned to the best candidate's ratios has exactly the predicted convolution weights.
    func testTheNewSearchBudgetBoundsAnEvolutionarySearch() throws {
        let model = try ModelZoo.make("lenet5", seed: 1)
        let example = Tensor.zeros([1, 1, 28, 28])
        let graph = try DependencyGraph(tracing: model, example: example)
        let space = try RatioSearchSpace(graph: graph, minimumKept: 0.1, keep: 0.5, cost: ConvolutionWeightCost())
        let outcome = try EvolutionaryRatioSearch(population: 6, generations: 3).run(
            space, seed: 4, score: { ratios in -ratios.reduce(0, +) }, progress: { _, _ in })
        XCTAssertTrue(outcome.candidates.allSatisfy { $0.costFraction <= 0.5 + 1e-12 })
        let predicted = ConvolutionWeightCost().cost(graph, widths: space.widths(outcome.best.ratios))
        _ = try StructuredPruner(target: .groupRatios(outcome.best.ratios)).prune(model, example: example)
        // Independently: the pruned model's 4-D weights, counted.
        let counted = PruningTarget.all(in: model).filter { $0.shape.count == 4 }.reduce(0) { $0 + $1.count }
        XCTAssertEqual(Double(counted), predicted)
    }
}
