/// One training budget shared by every training-time method, so they compare like for like: the
/// model, the data, epochs, batch size and SGD with momentum on a cosine schedule (the optimizer of
/// the RigL and SET papers; the lottery-ticket paper's LeNet runs used Adam).
public struct SparseTrainingRecipe: Sendable {
    public var model: String
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Float
    public var momentum: Float
    /// Steps between mask updates for the dynamic methods (nil: each method's default).
    public var updateInterval: Int?
    /// Lottery tickets: prune-rewind-retrain rounds to reach the target.
    public var lotteryRounds: Int
    /// Linear layers whose masks keep at most 10% run on the sparse kernels (``SparseTrainingKernel``).
    public var sparseKernels = true
    /// Checkpoints of every training after each epoch and on a stop request (nil: none).
    public var checkpoints: TrainingMethodCheckpoints?

    public init(model: String = "lenet300", epochs: Int = 10, batchSize: Int = 64, learningRate: Float = 0.05,
                momentum: Float = 0.9, updateInterval: Int? = nil, lotteryRounds: Int = 3) {
        self.model = model; self.epochs = epochs; self.batchSize = batchSize; self.learningRate = learningRate
        self.momentum = momentum; self.updateInterval = updateInterval; self.lotteryRounds = lotteryRounds
    }

    /// Trains a network from its initialization (`hook` around every step) and returns its test accuracy.
    public func train(_ net: any Module, data: LabeledImages, test: LabeledImages, seed: UInt64,
                      hook: (any TrainingHook)? = nil) throws -> Double {
        try trainTimed(net, data: data, test: test, seed: seed, hook: hook).accuracy
    }

    /// What a training method adds to a training besides a hook: parameters, a loss term, and work
    /// between the last step and the test (a final hard mask).
    public struct Extras {
        public var parameters: [Parameter] = []
        public var loss: (() throws -> Variable?)?
        public var beforeTest: (() throws -> Void)?
        /// The method's state a checkpoint must hold (a hook that is ``CheckpointedState`` is saved anyway).
        public var state: (any CheckpointedState)?
        public init(parameters: [Parameter] = [], loss: (() throws -> Variable?)? = nil,
                    beforeTest: (() throws -> Void)? = nil, state: (any CheckpointedState)? = nil) {
            self.parameters = parameters; self.loss = loss; self.beforeTest = beforeTest; self.state = state
        }
    }

    /// As ``train(_:data:test:seed:hook:)``, with the seconds of each epoch (training only; a resumed
    /// training times the epochs it ran). `name` names the training's checkpoint.
    public func trainTimed(_ net: any Module, data: LabeledImages, test: LabeledImages, seed: UInt64,
                           hook: (any TrainingHook)? = nil, extras: Extras = Extras(),
                           name: String = TrainingMethodCheckpoints.singleTraining) throws
        -> (accuracy: Double, epochSeconds: [Double]) {
        if sparseKernels { SparseTrainingKernel.install(on: net) }
        let optimizer = SGD(net.parameters().map(\.parameter) + extras.parameters, learningRate: learningRate,
                            momentum: momentum)
        var loop = TrainingLoop(epochs: epochs, batchSize: batchSize, seed: seed,
                                normalization: (ImageDataSource.mean, ImageDataSource.std))
        loop.hook = hook
        if let loss = extras.loss { loop.extraLoss = { _ in try loss() } }
        let schedule = CosineLR(base: learningRate, totalSteps: loop.totalSteps(examples: data.count))
        let state = (hook as? any CheckpointedState) ?? extras.state
        let results = try run(loop, net, data: data, optimizer: optimizer, schedule: schedule, state: state,
                              checkpoints: checkpoints?.training(name))
        try extras.beforeTest?()
        let loader = try DataLoader(test, batchSize: 256, mean: ImageDataSource.mean, std: ImageDataSource.std)
        return (Double(try Trainer.evaluate(net, loader: loader).requireFinite().accuracy), results.map(\.seconds))
    }

    /// Runs `loop`; with `checkpoints`, a saved position is restored first, every epoch and a stop request
    /// (SIGTERM inside the run) save one, and the stop ends the training with ``TrainingStopped``.
    func run(_ loop: TrainingLoop, _ net: any Module, data: LabeledImages, optimizer: any Optimizer,
             schedule: any LearningRateSchedule, state: (any CheckpointedState)?,
             checkpoints: TrainingCheckpoints?) throws -> [EpochResult] {
        guard var c = checkpoints else {
            return try loop.run(net, data: data, optimizer: optimizer, schedule: schedule)
        }
        c.stepsPerEpoch = (data.count + batchSize - 1) / batchSize
        let start = try c.start(model: net, optimizer: optimizer, state: state, log: SilentLog())
        return try StopRequest.deferringSignals {
            try loop.run(net, data: data, optimizer: optimizer, schedule: schedule, start: start, epochDone: { e, _ in
                try c.save(epochsDone: e + 1, model: net, optimizer: optimizer, state: state)
            }, stopped: { try c.save(at: $0, model: net, optimizer: optimizer, state: state) })
        }
    }

    /// A lottery-ticket search whose every training is this recipe's on `data`, tested on `test` (each
    /// checkpointed under its ``LotteryTraining`` name when the recipe has checkpoints).
    public func lotteryTicketSearch(_ settings: LotteryTicketSettings, data: LabeledImages, test: LabeledImages,
                                    seed: UInt64) -> LotteryTicketSearch {
        LotteryTicketSearch(settings: settings, makeModel: { try ModelZoo.make(model, seed: $0) },
                            namedTrain: { net, hook, training in
            try trainTimed(net, data: data, test: test, seed: seed, hook: hook, name: training.name).accuracy
        })
    }

    /// Runs that search: with checkpoints that resume, it continues after the saved rounds (`restored` sees
    /// them first) and inside the training that was running; every finished round's state is saved.
    public func findLotteryTicket(_ settings: LotteryTicketSettings, data: LabeledImages, test: LabeledImages,
                                  seed: UInt64, restored: ([LotteryRound]) -> Void = { _ in },
                                  roundDone: (LotteryRound) throws -> Void = { _ in }) throws -> LotteryTicket {
        let folder = checkpoints.map(\.lottery)
        let saved = checkpoints?.resume == true ? try folder?.load() : nil
        restored(saved?.rounds ?? [])
        return try lotteryTicketSearch(settings, data: data, test: test, seed: seed)
            .run(seed: seed, totalSteps: totalSteps(data), resume: saved, roundDone: roundDone,
                 progress: { try folder?.save($0) })
    }

    /// Optimizer steps of one training on `data`.
    public func totalSteps(_ data: LabeledImages) -> Int { epochs * ((data.count + batchSize - 1) / batchSize) }
}

/// One row of a comparison: a method's name, and how it trains a network at a sparsity.
public struct TrainingMethodEntry {
    public let name: String
    /// Trainings of the full budget one run costs (lottery tickets: one per round plus the dense one).
    public let trainings: Int
    /// Trains from `seed` at `sparsity` on the first images, tested on the second.
    public let run: (SparseTrainingRecipe, Double, UInt64, LabeledImages, LabeledImages) throws -> TrainedSparseModel
}

/// A network a training-time method trained: its masks set, its test accuracy and the fraction of the
/// in-scope weights it pruned.
public struct TrainedSparseModel {
    public let model: any Module
    public let accuracy: Double
    public let sparsity: Double
}
