import ArgumentParser
import Prune

/// The training-time pruning options of `prune train`: pruning at initialization, sparse training,
/// a sparsity penalty or learned masks (one of them), and what they share.
struct TrainingTimeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Prune at initialization before training, with --sparsity: snip (Lee et al. 2019), "
                               + "grasp (Wang et al. 2020), synflow (Tanaka et al. 2020, data-free, 100 rounds), "
                               + "random (the control)."))
    var pruneAtInit: String?

    @Option(help: ArgumentHelp("Prune while training from scratch, with --sparsity: set (Mocanu et al. 2018), rigl "
                               + "(Evci et al. 2020), dns (Guo et al. 2016), agp (Zhu & Gupta 2017)."))
    var sparseTraining: String?

    @Option(help: ArgumentHelp("Train with a sparsity penalty, then prune to --sparsity: l1 (Σ|w|), group-lasso "
                               + "(Σ‖W_row‖₂, Wen et al. 2016; the hard mask removes rows), hoyer (DeepHoyer's "
                               + "(Σ|w|)²/Σw² per layer, Yang et al. 2020)."))
    var penalty: String?

    @Option(help: "λ of --penalty (e.g. 1e-5 for l1, 1e-4 for group-lasso and hoyer).")
    var penaltyWeight: Float = 1e-4

    @Option(help: ArgumentHelp("Learn the masks while training: str (soft threshold, Kusupati et al. 2020), l0 "
                               + "(hard-concrete gates, Louizos et al. 2018), sparse-vd (sparse variational dropout, "
                               + "Molchanov et al. 2017), gumbel and gumbel-st (Gumbel-softmax keep/drop choices with "
                               + "an annealed temperature, Jang et al. 2017; -st: straight-through hard masks); "
                               + "--sparsity (optional) then prunes the smallest survivors."))
    var learnedMask: String?

    @Option(help: ArgumentHelp("λ of --learned-mask (default: str 1e-3 on s², l0 1e-5 per open gate, sparse-vd 1 on "
                               + "the KL term per example, gumbel 1e-3 per expected kept weight, or per kept weight "
                               + "over the budget with --sparsity)."))
    var maskStrength: Float?

    @Option(help: ArgumentHelp("Fraction of the prunable weights removed (by --prune-at-init before training, by "
                               + "--sparse-training, or by the hard mask after --penalty or --learned-mask)."))
    var sparsity: Double?

    @Option(help: ArgumentHelp("Per-layer densities: uniform, er, erk (default: the method's own: ERK for rigl, ER "
                               + "for set, uniform for dns, agp and random, one global threshold for snip, grasp, "
                               + "synflow)."))
    var allocation: String?

    @Flag(help: ArgumentHelp("Keep sparse Linear layers on the dense masked product (by default a layer whose mask "
                           + "keeps ≤ 25% of its weights trains on the sparse kernels)."))
    var denseKernels = false

    @Option(help: "GraSP: the temperature the logits are divided by (default 200, the authors' code).")
    var temperature: Float?

    @Option(help: "Sparse training: optimizer steps between mask updates (ΔT; default 100, 10 for dns).")
    var updateEvery: Int?

    @Option(help: ArgumentHelp("Sparse training: fraction of each layer's active weights replaced per update (α; "
                               + "cosine-decayed for rigl)."))
    var updateFraction: Double = 0.3

    @Option(help: "Sparse training: the masks stop changing after this fraction of the steps (T_end / T).")
    var updateUntil: Double = 0.75


    /// What `prune train` needs from the chosen method.
    struct SetUp {
        var hook: (any TrainingHook)?
        /// Parameters the optimizer trains beside the model's (learned masks).
        var parameters: [Parameter] = []
        /// A term added to the loss every step.
        var loss: (() throws -> Variable?)?
        /// Sets the final hard masks and bakes them; returns the sparsity reached (nil: no pruning asked).
        var finish: () throws -> Double? = { nil }
        /// The method's state outside the model, for checkpoints.
        var state: (any CheckpointedState)?
    }

    var methods: [String] { [pruneAtInit, sparseTraining, penalty, learnedMask].compactMap { $0 } }

    func validate() throws {
        if methods.count > 1 {
            throw ValidationError("--prune-at-init, --sparse-training, --penalty and --learned-mask are four ways to "
                                  + "prune; choose one")
        }
        if sparsity != nil, methods.isEmpty {
            throw ValidationError("--sparsity goes with --prune-at-init, --sparse-training, --penalty or "
                                  + "--learned-mask (e.g. --prune-at-init snip --sparsity 0.9, --sparse-training "
                                  + "rigl --sparsity 0.95)")
        }
        if sparsity == nil, learnedMask == nil, !methods.isEmpty {
            let option = pruneAtInit != nil ? "prune-at-init" : sparseTraining != nil ? "sparse-training" : "penalty"
            throw ValidationError("--\(option) needs --sparsity (the fraction of the weights to remove)")
        }
        guard penaltyWeight.isFinite, penaltyWeight > 0 else {
            throw ValidationError("--penalty-weight must be a positive number, got \(penaltyWeight)")
        }
        if allocation != nil, pruneAtInit == nil, sparseTraining == nil {
            throw ValidationError("--allocation needs --prune-at-init or --sparse-training")
        }
    }

    /// Prepares `net` for the chosen method.
    func setUp(_ net: any Module, trainSet: LabeledImages, totalSteps: Int, loader: DataLoader, seed: UInt64,
               console: Console) throws -> SetUp {
        guard !methods.isEmpty else { return SetUp() }
        if !denseKernels { SparseTrainingKernel.install(on: net) }
        let targets = try PruningScope().targets(in: net)
        let bake = { () throws -> Double? in
            let reached = targets.sparsity
            for (_, p) in net.parameters() { p.bake() }
            return reached
        }
        if let learnedMask {
            let training = try LearnedMaskTraining(try LearnedMasks.named(learnedMask), targets: targets,
                                                   strength: maskStrength, examples: trainSet.count,
                                                   totalSteps: totalSteps, targetSparsity: sparsity, seed: seed)
            console.info("learning the masks by \(learnedMask.lowercased()) (λ \(training.strength))")
            return SetUp(parameters: training.parameters, loss: training.penalty,
                         finish: { try training.finish(sparsity: sparsity); return try bake() }, state: training)
        }
        guard let sparsity else { return SetUp() }
        if let penalty {
            let chosen = try SparsityPenalties.named(penalty), lambda = penaltyWeight
            return SetUp(loss: { try chosen.penalty(targets) * lambda }, finish: {
                try SparsityPenalties.hardMask(targets, structured: chosen.structured, sparsity: sparsity)
                return try bake()
            })
        }
        let allocation = try allocation.map { try DensityAllocations.named($0) }
        if let pruneAtInit {
            let atInit = try PruneAtInit(pruneAtInit, sparsity: sparsity, allocation: allocation,
                                         temperature: temperature)
            let reached = try atInit.apply(to: net, loader: loader, seed: seed)
            console.info(String(format: "pruned at initialization by %@: %.2f%% of the weights removed; "
                                + "training the sparse network", atInit.criterion.name, reached * 100))
            return SetUp(finish: bake)
        }
        return try sparseTrainingSetUp(targets, sparsity: sparsity, allocation: allocation, totalSteps: totalSteps,
                                       seed: seed, console: console, finish: bake)
    }

    func sparseTrainingSetUp(_ targets: [PruningTarget], sparsity: Double, allocation: (any DensityAllocation)?,
                             totalSteps: Int, seed: UInt64, console: Console,
                             finish: @escaping () throws -> Double?) throws -> SetUp {
        guard let sparseTraining else { return SetUp() }
        let method = try SparseTraining.method(named: sparseTraining)
        let context = SparseTrainingContext(targets: targets, sparsity: sparsity, allocation: allocation,
                                            totalSteps: totalSteps, interval: updateEvery, fraction: updateFraction,
                                            until: updateUntil, seed: seed)
        let hook = try method.makeHook(context)
        console.info(String(format: "sparse training by %@ at %.2f%% sparsity; masks change until step %d of %d",
                            method.name, sparsity * 100, Int(updateUntil * Double(totalSteps)), totalSteps))
        return SetUp(hook: hook, finish: finish, state: hook as? any CheckpointedState)
    }
}
