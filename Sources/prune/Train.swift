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

    @OptionGroup var pruning: TrainingTimeOptions

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
        let penalty: String?
        let learnedMask: String?
        /// The in-scope sparsity of the trained network (with --sparsity).
        let sparsity: Double?
    }

    func validate() throws {
        guard epochs >= 0 else { throw ValidationError("--epochs must be non-negative") }
        guard slimming >= 0, slimming.isFinite else { throw ValidationError("--slimming must be a non-negative number") }
        guard dataOptions.batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a positive number") }
    }

    func run() throws {
        let console = Console(quiet: quiet, json: json)
        do {
            if let out { try AtomicFile.checkDestination(out) }
            let net = try ModelZoo.make(model, seed: seed)
            let trainSet = try dataOptions.load(.train)
            let testSet = try dataOptions.load(.test)
            console.info("Training \(model) (\(net.parameterCount) parameters) on \(trainSet.count) images for \(epochs) epoch(s), seed \(seed)")
            var loop = TrainingLoop(epochs: epochs, batchSize: dataOptions.batchSize, seed: seed,
                                    normalization: (DataOptions.mean, DataOptions.std))
            let setUp = try pruning.setUp(net, trainSet: trainSet,
                                          totalSteps: loop.totalSteps(examples: trainSet.count),
                                          loader: dataOptions.loader(trainSet, shuffle: true, seed: seed, epoch: 0),
                                          seed: seed, console: console)
            let opt = try makeOptimizer(net.parameters().map(\.parameter) + setUp.parameters)
            loop.hook = setUp.hook
            loop.labelSmoothing = labelSmoothing
            loop.clipNorm = clipNorm
            loop.extraLoss = extraLoss(setUp.loss)
            let sched = try makeSchedule(base: opt.learningRate, totalSteps: loop.totalSteps(examples: trainSet.count))
            let start = monotonicSeconds()
            var checkpoints = TrainingCheckpoints(path: out.map { $0 + JobCheckpoint.suffix }, resume: resume,
                                                  fingerprint: CheckpointFingerprint.commandLine())
            checkpoints.stepsPerEpoch = (trainSet.count + dataOptions.batchSize - 1) / dataOptions.batchSize
            let startPosition = try checkpoints.start(model: net, optimizer: opt, state: setUp.state, log: console)
            let results = try StopRequest.deferringSignals(if: out != nil) { try loop.run(
                net, data: trainSet, optimizer: opt, schedule: sched, start: startPosition, progress: { p in
                console.progress(String(format: "epoch %d/%d  batch %d/%d  loss %.4f  acc %@  %.0f samples/s",
                                        p.epoch + 1, p.epochs, p.batch, p.batches, p.loss, p.accuracy.percent, p.samplesPerSecond))
            }, epochDone: { e, r in
                console.endProgress()
                let ev = try Trainer.evaluate(net, loader: dataOptions.loader(testSet, shuffle: false, seed: 0))
                console.info(String(format: "epoch %d/%d  loss %.4f  train acc %@  test acc %@  %.0f samples/s  %.1fs",
                                        e + 1, epochs, r.loss, r.trainAccuracy.percent, ev.accuracy.percent, r.samplesPerSecond, r.seconds))
                try checkpoints.save(epochsDone: e + 1, model: net, optimizer: opt, state: setUp.state)
            }, stopped: out == nil ? nil : { position in
                console.endProgress()
                try checkpoints.save(at: position, model: net, optimizer: opt, state: setUp.state)
            }) }
            let reached = try setUp.finish()
            let test = try Trainer.evaluate(net, loader: dataOptions.loader(testSet, shuffle: false, seed: 0))
            if let out {
                var state = net.stateDict()
                state.metadata = ["model": model, "seed": String(seed), "epochs": String(epochs), "format": "pt"]
                try Safetensors.write(state, to: out)
                checkpoints.finish()
            }
            try printReport(Report(model: model, parameters: net.parameterCount, seed: seed, epochs: results,
                                   test: test, seconds: monotonicSeconds() - start,
                                   peakMemoryMiB: Double(peakResidentBytes()) / 1_048_576, weights: out,
                                   pruneAtInit: pruning.pruneAtInit?.lowercased(),
                                   sparseTraining: pruning.sparseTraining?.lowercased(),
                                   penalty: pruning.penalty?.lowercased(),
                                   learnedMask: pruning.learnedMask?.lowercased(), sparsity: reached), console: console)
        } catch let e as ValidationError { throw e } catch let e as TrainingStopped {
            throw console.stoppedOnRequest("train: \(e)", checkpoint: PathText.short(out ?? "") + JobCheckpoint.suffix)
        } catch {
            throw CLIError("train: \(error)")
        }
    }

    /// The result: JSON, or one line.
    func printReport(_ report: Report, console: Console) throws {
        if json { try console.emitJSON(report); return }
        let test = report.test
        let zeros = report.sparsity.map { String(format: "; %.2f%% of the prunable weights are zero", $0 * 100) }
        console.result(String(format: "test accuracy %@ (loss %.4f) on %d images; %.1fs; peak memory %.0f MiB",
                              test.accuracy.percent, test.loss, test.count, report.seconds, report.peakMemoryMiB)
                       + (zeros ?? "") + (out.map { "; saved \($0)" } ?? ""))
    }

    /// Network slimming's λ·Σ|γ| and the pruning method's term, added to the loss every step.
    func extraLoss(_ pruningLoss: (() throws -> Variable?)?) -> ((any Module) throws -> Variable?)? {
        guard slimming > 0 || pruningLoss != nil else { return nil }
        let slim = slimming
        return { model in
            let a = slim > 0 ? try NetworkSlimming.penalty(model, lambda: slim) : nil
            let b = try pruningLoss?()
            guard let a, let b else { return a ?? b }
            return try a + b
        }
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
