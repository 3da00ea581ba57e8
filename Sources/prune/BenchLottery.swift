import ArgumentParser
import Foundation
import Prune

/// `prune bench lottery`: the lottery-ticket curve (test accuracy against the fraction of weights
/// left) for winning tickets and the two controls, over seeds.
struct BenchLottery: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lottery",
        abstract: "Lottery-ticket curve: tickets vs random reinitialization vs random masks (mean ± std over seeds).")

    @Option(help: "Model: lenet300 or lenet5.") var model = "lenet300"
    @Option(help: "Prune-rewind-retrain rounds (18 at 20% reach 1.8% of the weights).") var rounds = 18
    @Option(help: "Fraction of the remaining weights pruned per round (the output layer: half).") var rate = 0.2
    @Option(help: "Rewind step (0: the original initialization).") var rewindStep = 0
    @Option(help: "Seeds 0..<n.") var seeds = 3
    @Option(help: "Epochs of every training.") var epochs = 5
    @Option(help: "SGD learning rate (momentum 0.9, cosine schedule).") var lr: Float = 0.05
    @Flag(help: "Skip the random-mask control (the random reinitialization is always trained).")
    var noRandomMask = false
    @Option(help: "Also write the curve as an SVG plot here.") var plot: String?
    @OptionGroup var options: DataOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        let console = Console(quiet: common.quiet, json: common.json)
        if let plot { try AtomicFile.checkDestination(plot) }
        let train = try options.load(.train), test = try options.load(.test)
        let recipe = SparseTrainingRecipe(model: model, epochs: epochs, batchSize: options.batchSize, learningRate: lr)
        let settings = try LotteryTicketSettings(rounds: rounds, rate: rate, rewindStep: rewindStep,
                                                 reinitializationControl: true, randomMaskControl: !noRandomMask)
        var runs: [[LotteryRound]] = []
        for seed in 0..<UInt64(seeds) {
            let search = recipe.lotteryTicketSearch(settings, data: train, test: test, seed: seed)
            let ticket = try search.run(seed: seed, totalSteps: recipe.totalSteps(train)) { r in
                console.info(String(format: "seed %d round %d: %.2f%% of the weights, ticket %.2f%%, reinit %@, "
                                    + "random mask %@", seed, r.round, r.density * 100, r.ticket * 100,
                                    r.reinitialized.map { Float($0).percent } ?? "—",
                                    r.randomMask.map { Float($0).percent } ?? "—"))
            }
            runs.append(ticket.rounds)
        }
        let curve = LotteryCurve(runs: runs)
        if let plot { try AtomicFile.write(Data(curve.svg(title: "\(model): lottery tickets").utf8), to: plot) }
        if common.json { try console.emitJSON(curve.points); return }
        print(curve.markdown())
        print("(test accuracy %, mean ± std over \(seeds) seed(s); \(model), \(epochs) epochs of SGD momentum 0.9, "
              + "lr \(lr), batch \(options.batchSize) per training; \(Int(rate * 100))% of the remaining "
              + "weights pruned per round, the output layer at half; rewind to step \(rewindStep))")
    }
}
