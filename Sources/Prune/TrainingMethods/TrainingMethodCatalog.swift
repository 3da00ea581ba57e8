/// The methods a training-time comparison can name: `dense`, `imp` (lottery tickets with rewinding to
/// initialization, the hidden layers pruned by the rate that reaches the target in the recipe's rounds,
/// the output layer at half that rate as in the paper), every ``SparseTraining`` method and every
/// ``PruneAtInit`` criterion.
public enum TrainingMethodCatalog {
    /// Every name, in the order of the README's tables.
    public static var names: [String] {
        ["dense", "imp"] + SparseTraining.methods.map(\.name) + LearnedMasks.all.map(\.name) + PruneAtInit.names
            + ["random-erk"]
    }

    /// The entry called `name`; `recipe` says how many rounds a lottery ticket takes.
    public static func entry(_ name: String, recipe: SparseTrainingRecipe) throws -> TrainingMethodEntry {
        let key = name.lowercased()
        if key == "dense" { return dense }
        if key == "imp" { return lottery(rounds: recipe.lotteryRounds) }
        if key == "random-erk" { return atInit(RandomAtInit(), allocation: ErdosRenyiDensity(includesKernel: true)) }
        if let m = SparseTraining.methods.first(where: { $0.name == key }) { return sparse(m) }
        if let c = PruneAtInit.criteria.first(where: { $0.name == key }) { return atInit(c) }
        if let m = LearnedMasks.all.first(where: { $0.name == key }) { return learned(m) }
        throw PruningError.invalidOption("unknown training method \(name); known: " + names.joined(separator: ", "))
    }

    static var dense: TrainingMethodEntry {
        TrainingMethodEntry(name: "dense", trainings: 1) { recipe, _, seed, data, test in
            let net = try ModelZoo.make(recipe.model, seed: seed)
            return TrainedSparseModel(model: net, accuracy: try recipe.train(net, data: data, test: test, seed: seed),
                                      sparsity: 0)
        }
    }

    static func sparse(_ method: any SparseTrainingMethod) -> TrainingMethodEntry {
        TrainingMethodEntry(name: method.name, trainings: 1) { recipe, sparsity, seed, data, test in
            let net = try ModelZoo.make(recipe.model, seed: seed)
            let targets = try PruningScope().targets(in: net)
            let hook = try method.makeHook(SparseTrainingContext(targets: targets, sparsity: sparsity,
                                                                 totalSteps: recipe.totalSteps(data),
                                                                 interval: recipe.updateInterval, seed: seed))
            let accuracy = try recipe.train(net, data: data, test: test, seed: seed, hook: hook)
            return TrainedSparseModel(model: net, accuracy: accuracy, sparsity: targets.sparsity)
        }
    }

    /// `random-erk` is the static random sparse baseline of RigL's paper: a random mask at ERK densities.
    static func atInit(_ criterion: any InitializationCriterion,
                       allocation: (any DensityAllocation)? = nil) -> TrainingMethodEntry {
        let name = criterion.name + (allocation.map { "-" + $0.name } ?? "")
        return TrainingMethodEntry(name: name, trainings: 1) { recipe, sparsity, seed, data, test in
            let net = try ModelZoo.make(recipe.model, seed: seed)
            let loader = try DataLoader(data, batchSize: recipe.batchSize, shuffle: true, seed: seed,
                                        mean: ImageDataSource.mean, std: ImageDataSource.std)
            let atInit = try PruneAtInit(criterion: criterion, sparsity: sparsity, allocation: allocation)
            try atInit.apply(to: net, loader: loader, seed: seed)
            let reached = try PruningScope().targets(in: net).sparsity
            let accuracy = try recipe.train(net, data: data, test: test, seed: seed)
            return TrainedSparseModel(model: net, accuracy: accuracy, sparsity: reached)
        }
    }

    /// A learned mask at its default strength, then the hard mask at the target.
    static func learned(_ method: any LearnedMaskMethod) -> TrainingMethodEntry {
        TrainingMethodEntry(name: method.name, trainings: 1) { recipe, sparsity, seed, data, test in
            let net = try ModelZoo.make(recipe.model, seed: seed)
            let targets = try PruningScope().targets(in: net)
            let training = try LearnedMaskTraining(method, targets: targets, examples: data.count,
                                                   totalSteps: recipe.totalSteps(data), targetSparsity: sparsity,
                                                   seed: seed)
            let extras = SparseTrainingRecipe.Extras(parameters: training.parameters, loss: training.penalty,
                                                     beforeTest: { try training.finish(sparsity: sparsity) },
                                                     state: training)
            let accuracy = try recipe.trainTimed(net, data: data, test: test, seed: seed, extras: extras).accuracy
            return TrainedSparseModel(model: net, accuracy: accuracy, sparsity: targets.sparsity)
        }
    }

    static func lottery(rounds: Int) -> TrainingMethodEntry {
        TrainingMethodEntry(name: "imp", trainings: rounds + 1) { recipe, sparsity, seed, data, test in
            let settings = try LotteryTicketSettings(rounds: rounds, rate: LotteryTicketSettings.rate(
                reaching: 1 - sparsity, in: rounds))
            let ticket = try recipe.findLotteryTicket(settings, data: data, test: test, seed: seed)
            let last = ticket.rounds[ticket.rounds.count - 1]
            return TrainedSparseModel(model: ticket.trained, accuracy: last.ticket, sparsity: 1 - last.density)
        }
    }
}
