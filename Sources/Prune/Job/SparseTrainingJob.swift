import Foundation

/// A recipe's training-time job (`train: {method: …}`): trains a built-in model from scratch with one
/// method of ``TrainingMethodCatalog`` at the recipe's sparsity and budget, tests it, and saves the sparse
/// weights (zeros where pruned) atomically. With an output, every training checkpoints each epoch in
/// `<out>.resume/` (``TrainingMethodCheckpoints``), a stop request (SIGTERM) saves the batch reached and
/// ends the job with ``TrainingStopped``, and `resume` continues from what was saved.
public enum SparseTrainingJob {
    public struct Report: Encodable {
        public let model: String, method: String
        public let targetSparsity: Double, sparsity: Double, accuracy: Double
        public let epochs: Int, seed: UInt64, seconds: Double
        public let weights: String?
    }

    public static func run(_ recipe: Recipe, data: ImageDataSource, log: any JobLog = SilentLog(),
                           resume: Bool = false) throws -> Report {
        guard let settings = recipe.trainingMethod else { throw JobError("the recipe names no train.method") }
        guard !PruningModelSource.isONNX(recipe.model) else {
            throw JobError("train.method trains a built-in model from scratch; \(recipe.model) is an ONNX file")
        }
        if let out = recipe.out { try AtomicFile.checkDestination(out) }
        var budget = SparseTrainingRecipe(model: recipe.model, epochs: recipe.trainEpochs,
                                          batchSize: settings.batchSize, learningRate: recipe.trainLearningRate,
                                          updateInterval: settings.updateEvery, lotteryRounds: settings.lotteryRounds)
        let entry = try TrainingMethodCatalog.entry(settings.method, recipe: budget)
        let train = try data.load(.train), test = try data.load(.test)
        let key = fingerprint(recipe, budget, examples: train.count)
        budget.checkpoints = recipe.out.map {
            TrainingMethodCheckpoints(folder: $0 + JobCheckpoint.suffix, fingerprint: key, resume: resume)
        }
        log.info(String(format: "training %@ from scratch by %@ at %.2f%% sparsity: %d epoch(s)%@", recipe.model,
                        entry.name, settings.sparsity * 100, recipe.trainEpochs,
                        entry.trainings > 1 ? " per training, \(entry.trainings) trainings" : ""))
        let start = Date()
        let trained = try StopRequest.deferringSignals(if: budget.checkpoints != nil) {
            try budget.checkpoints?.prepare(log: log)
            return try entry.run(budget, settings.sparsity, recipe.trainSeed, train, test)
        }
        if let out = recipe.out {
            for (_, p) in trained.model.parameters() { p.bake() }
            var state = trained.model.stateDict()
            state.metadata = ["model": recipe.model, "seed": String(recipe.trainSeed), "method": entry.name,
                              "epochs": String(recipe.trainEpochs), "format": "pt"]
            try Safetensors.write(state, to: out)
            budget.checkpoints?.finish()
        }
        return Report(model: recipe.model, method: entry.name, targetSparsity: settings.sparsity,
                      sparsity: trained.sparsity, accuracy: trained.accuracy, epochs: recipe.trainEpochs,
                      seed: recipe.trainSeed, seconds: Date().timeIntervalSince(start), weights: recipe.out)
    }
}

extension SparseTrainingJob {
    /// Everything a resumed job must share with the stopped one.
    static func fingerprint(_ recipe: Recipe, _ budget: SparseTrainingRecipe, examples: Int) -> String {
        guard let s = recipe.trainingMethod else { return "" }
        return ["train.method", recipe.model, s.method, "sparsity \(s.sparsity)", "epochs \(budget.epochs)",
                "batch \(budget.batchSize)", "lr \(budget.learningRate)", "momentum \(budget.momentum)",
                "every \(String(describing: s.updateEvery))", "rounds \(s.lotteryRounds)", "seed \(recipe.trainSeed)",
                "examples \(examples)", "threads \(ProcessInfoCores.count)"].joined(separator: "|")
    }
}

extension SparseTrainingJob.Report {
    /// The report as a few lines of text.
    public func text() -> String {
        String(format: "%@ trained by %@: test accuracy %.2f%%, %.2f%% of the prunable weights pruned (target "
               + "%.2f%%), %.1fs", model, method, accuracy * 100, sparsity * 100, targetSparsity * 100, seconds)
            + (weights.map { "\nsaved \($0)" } ?? "")
    }
}
