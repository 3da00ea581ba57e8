import ArgumentParser
import Foundation
import Prune

/// `prune lottery`: finds a winning ticket by iterative magnitude pruning with rewinding and saves it.
struct Lottery: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find a lottery ticket (Frankle & Carbin 2019): train, prune, rewind, retrain, round after round.")

    @Option(help: "Model: lenet300, lenet5, vgg-small, resnet-small.") var model = "lenet300"
    @Option(help: "Prune-rewind-retrain rounds.") var rounds = 5
    @Option(help: ArgumentHelp("Fraction of each layer's remaining weights pruned per round (the paper: 0.2 for "
                               + "fully connected layers, 0.1 for convolutions)."))
    var rate = 0.2
    @Option(help: "The output layer's rate (default: half of --rate, as in the paper).") var outputRate: Double?
    @Option(help: ArgumentHelp("Reset the survivors to their values after this many optimizer steps (0: the "
                               + "initialization; Frankle et al. 2020 rewind to an early step)."))
    var rewindStep = 0
    @Flag(help: "One magnitude threshold over all hidden layers instead of one per layer.") var global = false
    @Flag(help: "Also train the random-reinitialization control each round.") var reinitControl = false
    @Flag(help: "Also train the random-mask control each round.") var randomMaskControl = false
    @Option(help: "Epochs of every training.") var epochs = 10
    @Option(help: "SGD learning rate (momentum 0.9, cosine schedule).") var lr: Float = 0.05
    @Option(help: ArgumentHelp("Folder for ticket.safetensors (masked rewind weights), masks.safetensors, "
                               + "trained.safetensors and rounds.json."))
    var out: String?
    @Flag(help: ArgumentHelp("Continue a killed or stopped search where it was (checkpoints in <out>.resume/, "
                             + "written after every epoch of every training and every round whenever --out is "
                             + "given; SIGTERM saves the batch reached)."))
    var resume = false
    @OptionGroup var options: DataOptions
    @OptionGroup var common: CommonOptions

    func run() throws {
        let console = Console(quiet: common.quiet, json: common.json)
        do {
            if let out { try AtomicFile.checkDestination(out, folder: true) }
            if resume, out == nil { throw ValidationError("--resume needs --out (the checkpoints live beside it)") }
            let settings = try LotteryTicketSettings(rounds: rounds, rate: rate, outputRate: outputRate,
                                                     rewindStep: rewindStep, global: global,
                                                     reinitializationControl: reinitControl,
                                                     randomMaskControl: randomMaskControl)
            let train = try options.load(.train), test = try options.load(.test)
            var recipe = SparseTrainingRecipe(model: model, epochs: epochs, batchSize: options.batchSize,
                                              learningRate: lr)
            let seed = common.seed ?? 0
            recipe.checkpoints = out.map { TrainingMethodCheckpoints(folder: $0 + JobCheckpoint.suffix,
                                                                     fingerprint: fingerprint(train.count, seed: seed),
                                                                     resume: resume) }
            let ticket = try StopRequest.deferringSignals(if: out != nil) {
                try recipe.checkpoints?.prepare(log: console)
                return try recipe.findLotteryTicket(settings, data: train, test: test, seed: seed, restored: {
                    for r in $0 { report(r, console: console, note: " (from the checkpoint)") }
                }, roundDone: { report($0, console: console, note: "") })
            }
            if let out { try save(ticket, to: out, seed: seed) }
            recipe.checkpoints?.finish()
            try printResult(ticket, console: console)
        } catch let e as ValidationError { throw e } catch let e as TrainingStopped {
            throw console.stoppedOnRequest("lottery: \(e)",
                                           checkpoint: PathText.short(out ?? "") + JobCheckpoint.suffix)
        } catch { throw CLIError("lottery: \(error)") }
    }

    func printResult(_ ticket: LotteryTicket, console: Console) throws {
        if common.json { try console.emitJSON(ticket.rounds) } else if let last = ticket.rounds.last {
            console.result(String(format: "ticket: %.2f%% of the weights, test accuracy %.2f%% (dense %.2f%%)%@",
                                  last.density * 100, last.ticket * 100, ticket.rounds[0].ticket * 100,
                                  out.map { "; saved in \($0)" } ?? ""))
        }
    }

    func report(_ r: LotteryRound, console: Console, note: String) {
        let reinit = r.reinitialized.map { String(format: ", reinitialized %.2f%%", $0 * 100) } ?? ""
        let random = r.randomMask.map { String(format: ", random mask %.2f%%", $0 * 100) } ?? ""
        console.info(String(format: "round %d: %.2f%% of the weights left, test accuracy %.2f%%", r.round,
                            r.density * 100, r.ticket * 100) + reinit + random + note)
    }

    /// Everything a resumed search must share with the killed one.
    func fingerprint(_ examples: Int, seed: UInt64) -> String {
        ["lottery", model, "rounds \(rounds)", "rate \(rate)", "output \(String(describing: outputRate))",
         "rewind \(rewindStep)", "global \(global)", "controls \(reinitControl) \(randomMaskControl)",
         "epochs \(epochs)", "lr \(lr)", "batch \(options.batchSize)", "seed \(seed)", "examples \(examples)",
         "threads \(ProcessInfoCores.count)"].joined(separator: "|")
    }

    /// The ticket's files: masked rewind weights, the masks, the trained sparse network, the rounds.
    func save(_ ticket: LotteryTicket, to folder: String, seed: UInt64) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let meta = ["model": model, "seed": String(seed), "rewind_step": String(ticket.rewindStep),
                    "rounds": String(rounds), "format": "pt"]
        var rewound: [String: Tensor] = [:]
        for (path, value) in ticket.rewindState {
            rewound[path] = try ticket.masks[path].map { try value * $0 } ?? value
        }
        var state = StateDict(rewound); state.metadata = meta
        try Safetensors.write(state, to: folder + "/ticket.safetensors")
        var masks = StateDict(ticket.masks); masks.metadata = meta
        try Safetensors.write(masks, to: folder + "/masks.safetensors")
        var trained = ticket.trained.stateDict(); trained.metadata = meta
        try Safetensors.write(trained, to: folder + "/trained.safetensors")
        try AtomicFile.write(try StableJSON.encode(ticket.rounds), to: folder + "/rounds.json")
    }
}
