import ArgumentParser
import Foundation
import Prune

/// `prune train`: trains a built-in model on Fashion-MNIST and saves it as safetensors.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train a built-in model and save its weights (safetensors).")

    @Option(help: "Model: lenet300, lenet5, vgg-small, resnet-small.")
    var model: String = "lenet300"

    @OptionGroup var dataOptions: DataOptions

    @Option(help: "Number of epochs.")
    var epochs: Int = 10

    @Option(help: "Optimizer: sgd, adam, adamw.")
    var optimizer: String = "adam"

    @Option(help: "Learning rate (default: 0.001 for Adam/AdamW, 0.05 for SGD).")
    var lr: Float?

    @Option(help: "SGD momentum.")
    var momentum: Float = 0.9

    @Flag(help: "Nesterov momentum (SGD).")
    var nesterov = false

    @Option(help: "Weight decay (L2 for SGD and Adam, decoupled for AdamW).")
    var weightDecay: Float = 0

    @Option(help: "Learning-rate schedule: constant, cosine, step.")
    var schedule: String = "cosine"

    @Option(help: "Linear warm-up steps before the schedule.")
    var warmup: Int = 0

    @Option(help: "Label smoothing for the cross-entropy (0 = none).")
    var labelSmoothing: Float = 0

    @Option(help: "Clip gradients to this global L2 norm.")
    var clipNorm: Float?

    @Option(help: "Network slimming: L1 penalty λ·Σ|γ| on every BatchNorm scale during training (Liu et al. 2017), e.g. 1e-4.")
    var slimming: Float = 0

    @Option(help: ArgumentHelp("Prune at initialization before training, with --sparsity: snip (Lee et al. 2019), grasp (Wang et al. "
            + "2020), synflow (Tanaka et al. 2020, data-free, 100 rounds), random (the control)."))
    var pruneAtInit: String?

    @Option(help: ArgumentHelp("Prune while training from scratch, with --sparsity: set (Mocanu et al. 2018), rigl (Evci et al. "
            + "2020), dns (Guo et al. 2016), agp (Zhu & Gupta 2017)."))
    var sparseTraining: String?

    @Option(help: ArgumentHelp("Train with a sparsity penalty, then prune to --sparsity: l1 (Σ|w|), group-lasso "
                               + "(Σ‖W_row‖₂, Wen et al. 2016; the hard mask removes rows), hoyer (DeepHoyer's "
                               + "(Σ|w|)²/Σw² per layer, Yang et al. 2020)."))
    var penalty: String?

    @Option(help: "λ of --penalty (e.g. 1e-5 for l1, 1e-4 for group-lasso and hoyer).")
    var penaltyWeight: Float = 1e-4

    @Option(help: ArgumentHelp("Fraction of the prunable weights removed (by --prune-at-init before training, by "
                               + "--sparse-training, or by the hard mask after --penalty)."))
    var sparsity: Double?

    @Option(help: ArgumentHelp("Per-layer densities: uniform, er, erk (default: the method's own: ERK for rigl, ER for set, "
            + "uniform for dns, agp and random, one global threshold for snip, grasp, synflow)."))
    var allocation: String?

    @Flag(help: ArgumentHelp("Keep sparse Linear layers on the dense masked product (by default a layer whose mask "
                           + "keeps ≤ 10% of its weights trains on the sparse kernels)."))
    var denseKernels = false

    @Option(help: "GraSP: the temperature the logits are divided by (default 200, the authors' code).")
    var temperature: Float?

    @Option(help: "Sparse training: optimizer steps between mask updates (ΔT; default 100, 10 for dns).")
    var updateEvery: Int?

    @Option(help: ArgumentHelp("Sparse training: fraction of each layer's active weights replaced per update (α; cosine-decayed "
            + "for rigl)."))
    var updateFraction: Double = 0.3

    @Option(help: "Sparse training: the masks stop changing after this fraction of the steps (T_end / T).")
    var updateUntil: Double = 0.75

    @OptionGroup var common: CommonOptions
    var seed: UInt64 { common.seed ?? 0 }

    @Option(help: "Where to write the trained weights.")
    var out: String?

    @Flag(help: "Continue a killed run from the checkpoint beside --out (<out>.resume, written every epoch).")
    var resume = false

    var json: Bool { common.json }

    var quiet: Bool { common.quiet }

    struct Report: Encodable {
        let model: String
        let parameters: Int
        let seed: UInt64
        let epochs: [EpochResult]
        let test: Evaluation
        let seconds: Double
        let peakMemoryMiB: Double
        let weights: String?
        let pruneAtInit: String?
        let sparseTraining: String?
        /// The in-scope sparsity of the trained network (with --sparsity).
        let sparsity: Double?
    }

    func validate() throws {
        guard epochs >= 0 else { throw ValidationError("--epochs must be non-negative") }
        guard slimming >= 0, slimming.isFinite else { throw ValidationError("--slimming must be a non-negative number") }
        guard dataOptions.batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a positive number") }
        if [pruneAtInit, sparseTraining, penalty].compactMap({ $0 }).count > 1 {
            throw ValidationError("--prune-at-init, --sparse-training and --penalty are three ways to prune; choose one")
        }
        if (pruneAtInit == nil && sparseTraining == nil && penalty == nil) != (sparsity == nil) {
            throw ValidationError("--sparsity goes with --prune-at-init, --sparse-training or --penalty "
                                  + "(e.g. --prune-at-init snip --sparsity 0.9, --sparse-training rigl --sparsity 0.95)")
        }
        guard penaltyWeight.isFinite, penaltyWeight > 0 else {
            throw ValidationError("--penalty-weight must be a positive number, got \(penaltyWeight)")
        }
        if allocation != nil, sparsity == nil {
            throw ValidationError("--allocation needs --prune-at-init or --sparse-training")
        }
        if sparseTraining != nil, resume {
            throw ValidationError("--resume is not supported with --sparse-training yet (the method's random state is "
                                  + "not in the checkpoint)")
        }
    }

    func run() throws {
        let console = Console(quiet: quiet, json: json)
        do {
            if let out { try AtomicFile.checkDestination(out) }
            let net = try ModelZoo.make(model, seed: seed)
            let trainSet = try dataOptions.load(.train)
            let testSet = try dataOptions.load(.test)
            console.info("Training \(model) (\(net.parameterCount) parameters) on \(trainSet.count) images for \(epochs) epoch(s), seed \(seed)")
            let opt = try makeOptimizer(net.parameters().map(\.parameter))
            var loop = TrainingLoop(epochs: epochs, batchSize: dataOptions.batchSize, seed: seed,
                                    normalization: (DataOptions.mean, DataOptions.std))
            let pruning = try setUpPruning(net, trainSet: trainSet, totalSteps: loop.totalSteps(examples: trainSet.count),
                                           console: console)
            loop.hook = pruning
            loop.labelSmoothing = labelSmoothing
            loop.clipNorm = clipNorm
            loop.extraLoss = try extraLoss(net)
            let sched = try makeSchedule(base: opt.learningRate, totalSteps: loop.totalSteps(examples: trainSet.count))
            let start = monotonicSeconds()
            let checkpoints = TrainingCheckpoints(path: out.map { $0 + JobCheckpoint.suffix }, resume: resume,
                                                  fingerprint: CheckpointFingerprint.commandLine())
            let startPosition = try checkpoints.start(model: net, optimizer: opt, log: console)
            let results = try StopRequest.deferringSignals(if: out != nil) { try loop.run(
                net, data: trainSet, optimizer: opt, schedule: sched, start: startPosition, progress: { p in
                console.progress(String(format: "epoch %d/%d  batch %d/%d  loss %.4f  acc %@  %.0f samples/s",
                                        p.epoch + 1, p.epochs, p.batch, p.batches, p.loss, p.accuracy.percent, p.samplesPerSecond))
            }, epochDone: { e, r in
                console.endProgress()
                let ev = try Trainer.evaluate(net, loader: dataOptions.loader(testSet, shuffle: false, seed: 0))
                console.info(String(format: "epoch %d/%d  loss %.4f  train acc %@  test acc %@  %.0f samples/s  %.1fs",
                                        e + 1, epochs, r.loss, r.trainAccuracy.percent, ev.accuracy.percent, r.samplesPerSecond, r.seconds))
                try checkpoints.save(epochsDone: e + 1, model: net, optimizer: opt)
            }, stopped: out == nil ? nil : { position in
                console.endProgress()
                try checkpoints.save(at: position, model: net, optimizer: opt)
            }) }
            let test = try Trainer.evaluate(net, loader: dataOptions.loader(testSet, shuffle: false, seed: 0))
            if let penalty, let sparsity {
                try SparsityPenalties.hardMask(try PruningScope().targets(in: net),
                                               structured: try SparsityPenalties.named(penalty).structured,
                                               sparsity: sparsity)
            }
            let reached = sparsity == nil ? nil : try PruningScope().targets(in: net).sparsity
            if sparsity != nil { for (_, p) in net.parameters() { p.bake() } }
            if let out {
                var state = net.stateDict()
                state.metadata = ["model": model, "seed": String(seed), "epochs": String(epochs), "format": "pt"]
                try Safetensors.write(state, to: out)
                checkpoints.finish()
            }
            let report = Report(model: model, parameters: net.parameterCount, seed: seed, epochs: results, test: test,
                                seconds: monotonicSeconds() - start, peakMemoryMiB: Double(peakResidentBytes()) / 1_048_576,
                                weights: out, pruneAtInit: pruneAtInit?.lowercased(),
                                sparseTraining: sparseTraining?.lowercased(), sparsity: reached)
            if json { try console.emitJSON(report) } else {
                console.result(String(format: "test accuracy %@ (loss %.4f) on %d images; %.1fs; peak memory %.0f MiB%@%@",
                                    test.accuracy.percent, test.loss, test.count, report.seconds, report.peakMemoryMiB,
                                    reached.map { String(format: "; %.2f%% of the prunable weights are zero", $0 * 100) } ?? "",
                                    out.map { "; saved \($0)" } ?? ""))
            }
        } catch let e as ValidationError { throw e } catch let e as TrainingStopped {
            console.warning("train: \(e) in \(PathText.short(out ?? "") + JobCheckpoint.suffix); "
                            + "the same command with --resume continues")
            throw ExitCode(143)
        } catch {
            throw CLIError("train: \(error)")
        }
    }

    /// Network slimming's λ·Σ|γ| and the --penalty term, added to the loss every step.
    func extraLoss(_ net: any Module) throws -> ((any Module) throws -> Variable?)? {
        let targets = try PruningScope().targets(in: net)
        let chosen = try penalty.map { try SparsityPenalties.named($0) }
        guard slimming > 0 || chosen != nil else { return nil }
        let (lambda, slim) = (penaltyWeight, slimming)
        return { model in
            let a = slim > 0 ? try NetworkSlimming.penalty(model, lambda: slim) : nil
            let b = try chosen.map { try $0.penalty(targets) * lambda }
            guard let a, let b else { return a ?? b }
            return try a + b
        }
    }

    /// Prunes at initialization, or sets up the sparse-training method and returns its hook.
    func setUpPruning(_ net: any Module, trainSet: LabeledImages, totalSteps: Int,
                      console: Console) throws -> (any TrainingHook)? {
        guard let sparsity else { return nil }
        if !denseKernels { SparseTrainingKernel.install(on: net) }
        let allocation = try allocation.map { try DensityAllocations.named($0) }
        if let pruneAtInit {
            let atInit = try PruneAtInit(pruneAtInit, sparsity: sparsity, allocation: allocation,
                                         temperature: temperature)
            let reached = try atInit.apply(to: net, loader: try dataOptions.loader(trainSet, shuffle: true, seed: seed,
                                                                                   epoch: 0), seed: seed)
            console.info(String(format: "pruned at initialization by %@: %.2f%% of the weights removed; "
                                + "training the sparse network", atInit.criterion.name, reached * 100))
            return nil
        }
        guard let sparseTraining else { return nil }
        let method = try SparseTraining.method(named: sparseTraining)
        let context = SparseTrainingContext(targets: try PruningScope().targets(in: net), sparsity: sparsity,
                                            allocation: allocation, totalSteps: totalSteps, interval: updateEvery,
                                            fraction: updateFraction, until: updateUntil, seed: seed)
        let hook = try method.makeHook(context)
        console.info(String(format: "sparse training by %@ at %.2f%% sparsity; masks change until step %d of %d",
                            method.name, sparsity * 100, Int(updateUntil * Double(totalSteps)), totalSteps))
        return hook
    }

    func makeOptimizer(_ params: [Parameter]) throws -> any Optimizer {
        switch optimizer {
        case "sgd": return SGD(params, learningRate: lr ?? 0.05, momentum: momentum, nesterov: nesterov,
                               weightDecay: weightDecay)
        case "adam": return Adam(params, learningRate: lr ?? 1e-3, weightDecay: weightDecay)
        case "adamw": return Adam.adamW(params, learningRate: lr ?? 1e-3, weightDecay: weightDecay)
        default: throw CLIError("unknown optimizer '\(optimizer)'; known: sgd, adam, adamw")
        }
    }

    func makeSchedule(base: Float, totalSteps: Int) throws -> any LearningRateSchedule {
        let inner: any LearningRateSchedule
        switch schedule {
        case "constant": inner = ConstantLR(base)
        case "cosine": inner = CosineLR(base: base, totalSteps: totalSteps)
        case "step": inner = StepLR(base: base, stepSize: Swift.max(1, totalSteps / 3), gamma: 0.1)
        default: throw CLIError("unknown schedule '\(schedule)'; known: constant, cosine, step")
        }
        return warmup > 0 ? AnyWarmup(warmupSteps: warmup, inner: inner) : inner
    }
}

/// Linear warm-up in front of any schedule.
struct AnyWarmup: LearningRateSchedule {
    let warmupSteps: Int
    let inner: any LearningRateSchedule
    func learningRate(atStep step: Int) -> Float {
        let lr = inner.learningRate(atStep: step)
        return step < warmupSteps ? lr * Float(step + 1) / Float(warmupSteps) : lr
    }
}
