import ArgumentParser
import Foundation
import Prune

/// `prune bench sparse-epoch`: the same sparse training with the sparse kernels and with the dense
/// masked product: epoch time (median) and test accuracy (mean over seeds).
struct BenchSparseEpoch: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sparse-epoch",
        abstract: "Epoch time of sparse training on the sparse kernels vs the dense masked product, same accuracy?")

    @Option(help: "Model (its Linear layers use the sparse kernels).") var model = "lenet300"
    @Option(help: "Sparse-training method.") var method = "rigl"
    @Option(help: "Sparsity.") var sparsity = 0.95
    @Option(help: "Seeds 0..<n.") var seeds = 3
    @Option(help: "Epochs per training.") var epochs = 5
    @Option(help: "SGD learning rate (momentum 0.9, cosine schedule).") var lr: Float = 0.05
    @OptionGroup var options: DataOptions
    @OptionGroup var common: CommonOptions

    struct Side: Encodable {
        let kernels: String, medianEpochSeconds: Double, epochSeconds: [Double]
        let accuracies: [Double], meanAccuracy: Double
    }

    func run() throws {
        let console = Console(quiet: common.quiet, json: common.json)
        try OptionBounds.fraction(sparsity, "--sparsity")
        let train = try options.load(.train), test = try options.load(.test)
        let sparseTraining = try SparseTraining.method(named: method)
        var sides: [Side] = []
        for sparse in [false, true] {
            var recipe = SparseTrainingRecipe(model: model, epochs: epochs, batchSize: options.batchSize,
                                              learningRate: lr)
            recipe.sparseKernels = sparse
            var seconds: [Double] = [], accuracies: [Double] = []
            for seed in 0..<UInt64(seeds) {
                let net = try ModelZoo.make(model, seed: seed)
                let hook = try sparseTraining.makeHook(SparseTrainingContext(
                    targets: try PruningScope().targets(in: net), sparsity: sparsity,
                    totalSteps: recipe.totalSteps(train), seed: seed))
                let r = try recipe.trainTimed(net, data: train, test: test, seed: seed, hook: hook)
                seconds += r.epochSeconds; accuracies.append(r.accuracy)
                console.info(String(format: "%@ kernels, seed %d: %.2f%%, epochs %@ s", sparse ? "sparse" : "dense",
                                    seed, r.accuracy * 100, r.epochSeconds.map { String(format: "%.2f", $0) }
                                        .joined(separator: " ")))
            }
            sides.append(Side(kernels: sparse ? "sparse" : "dense masked", medianEpochSeconds: median(seconds),
                              epochSeconds: seconds, accuracies: accuracies,
                              meanAccuracy: accuracies.reduce(0, +) / Double(accuracies.count)))
        }
        if common.json { try console.emitJSON(sides); return }
        print("| kernels | median epoch (s) | test accuracy (mean of \(seeds)) |\n|---|---|---|")
        for s in sides {
            print(String(format: "| %@ | %.2f | %.2f%% |", s.kernels, s.medianEpochSeconds, s.meanAccuracy * 100))
        }
        print(String(format: "ratio sparse/dense %.2f×; %@ at %.0f%% on %@, %d epochs, batch %d, %d thread(s)",
                     sides[1].medianEpochSeconds / sides[0].medianEpochSeconds, method, sparsity * 100, model, epochs,
                     options.batchSize, ProcessInfoCores.count))
    }

    func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        return s.isEmpty ? 0 : s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
