import PruneModelIO
import PruneNN
import PrunePruning
import XCTest
import TestSupport

/// The README's Swift pruning example, on a slice of Fashion-MNIST so it runs in seconds.
final class ReadmePruningExampleTests: XCTestCase {
    func testReadmeExample() throws {
        try PruneCLI.requireFashionMNIST()
        let dir = NSTemporaryDirectory() + "prune-readme-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Safetensors.write(try ModelZoo.make("lenet300", seed: 1).stateDict(), to: dir + "/lenet300.safetensors")

        let model = try ModelZoo.make("lenet300", seed: 0)
        try model.load(Safetensors.read(dir + "/lenet300.safetensors"))
        let plan = PruningPlan(criterion: MagnitudeImportance(), pattern: .unstructured,
                               scope: PruningScope(distribution: .globalProtected(minimumKept: 0.02)),
                               sparsity: 0.9, schedule: IterativeSchedule(rate: 0.5, epochsPerRound: 1),
                               fineTuning: FineTuningOptions(epochs: 1, learningRateMultiplier: 0.5))
        let data = PruningData(train: try FashionMNIST.load(.train).prefix(1000), test: try FashionMNIST.load(.test).prefix(500),
                               normalization: (0.286, 0.353))
        let report = try Pruner.run(model, plan: plan, data: data, inputShape: [1, 28, 28])
        XCTAssertEqual(report.scopeSparsity, 0.9, accuracy: 1e-5)
        XCTAssertTrue(report.table().contains("fc1.weight"))
        XCTAssertNotNil(report.accuracyAfterFineTuning)
    }
}
