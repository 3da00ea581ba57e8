import ArgumentParser
import Foundation
import Prune

/// `prune bench sparse-training`: every training-time method at several sparsities, over seeds, with
/// one training budget (the table of the training-time issue).
struct BenchSparseTraining: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sparse-training",
        abstract: "Test accuracy of every training-time method at several sparsities (mean ± std over seeds).")

    @Option(help: "Model: lenet300 or lenet5.") var model = "lenet300"
    @Option(help: "Sparsities (comma-separated).") var sparsities = "0.9,0.95,0.98"
    @Option(help: "Methods (comma-separated).") var methods = TrainingMethodCatalog.names.joined(separator: ",")
    @Option(help: "Seeds 0..<n per cell.") var seeds = 3
    @Option(help: "Epochs of every training (IMP trains this many per round).") var epochs = 10
    @Option(help: "SGD learning rate (momentum 0.9, cosine schedule).") var lr: Float = 0.05
    @Option(help: "IMP: prune-rewind-retrain rounds to reach each sparsity.") var impRounds = 3
    @Option(help: "Dynamic methods: steps between mask updates (default: each method's own).") var updateEvery: Int?
    @OptionGroup var options: DataOptions
    @OptionGroup var common: CommonOptions

    struct Cell: Encodable {
        let method: String, sparsity: Double, trainings: Int
        let accuracies: [Double], reachedSparsities: [Double], mean: Double, std: Double, seconds: Double
    }

    func run() throws {
        let console = Console(quiet: common.quiet, json: common.json)
        let train = try options.load(.train), test = try options.load(.test)
        let recipe = SparseTrainingRecipe(model: model, epochs: epochs, batchSize: options.batchSize, learningRate: lr,
                                          updateInterval: updateEvery, lotteryRounds: impRounds)
        let levels = try OptionLists.sparsities(sparsities, "--sparsities")
        var cells: [Cell] = []
        for name in methods.split(separator: ",").map(String.init) {
            let entry = try TrainingMethodCatalog.entry(name, recipe: recipe)
            for s in (entry.name == "dense" ? [0] : levels) {
                cells.append(try measure(entry, sparsity: s, recipe: recipe, train: train, test: test,
                                         console: console))
            }
        }
        if common.json { try console.emitJSON(cells); return }
        printTable(cells, levels: levels)
    }

    func measure(_ entry: TrainingMethodEntry, sparsity: Double, recipe: SparseTrainingRecipe, train: LabeledImages,
                 test: LabeledImages, console: Console) throws -> Cell {
        var accuracies: [Double] = [], reached: [Double] = []
        let start = monotonicSeconds()
        for seed in 0..<UInt64(seeds) {
            let trained = try entry.run(recipe, sparsity, seed, train, test)
            accuracies.append(trained.accuracy); reached.append(trained.sparsity)
            console.info(String(format: "%@ at %.0f%% seed %d: %.2f%% (sparsity %.2f%%)", entry.name, sparsity * 100,
                                seed, trained.accuracy * 100, trained.sparsity * 100))
        }
        let mean = accuracies.reduce(0, +) / Double(accuracies.count)
        let variance = accuracies.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(1, accuracies.count - 1))
        return Cell(method: entry.name, sparsity: sparsity, trainings: entry.trainings, accuracies: accuracies,
                    reachedSparsities: reached, mean: mean, std: variance.squareRoot(),
                    seconds: monotonicSeconds() - start)
    }

    func printTable(_ cells: [Cell], levels: [Double]) {
        print("| method | trainings per run | " + levels.map { String(format: "%.0f%%", $0 * 100) }
            .joined(separator: " | ") + " |")
        print("|---|---|" + levels.map { _ in "---|" }.joined())
        for name in cells.map(\.method).uniqued() {
            let row = cells.filter { $0.method == name }
            let values = levels.map { s in name == "dense" ? row.first : row.first { $0.sparsity == s } }
            print("| \(name) | \(row.first?.trainings ?? 1) | " + values.map { c in
                c.map { String(format: "%.2f ± %.2f", $0.mean * 100, $0.std * 100) } ?? "—"
            }.joined(separator: " | ") + " |")
        }
        print("(test accuracy %, mean ± std over \(seeds) seed(s); \(model), \(epochs) epochs of SGD momentum 0.9, "
              + "lr \(lr), cosine, batch \(options.batchSize); IMP trains \(impRounds + 1)× that)")
    }
}

extension Array where Element: Hashable {
    /// The elements in first-seen order without repeats.
    func uniqued() -> [Element] { var seen = Set<Element>(); return filter { seen.insert($0).inserted } }
}
