import PruneNN
import PruneTensor

/// Iterative magnitude pruning with rewinding: train the dense network (saving the weights after
/// `rewindStep` steps), then per round prune `rate` of the remaining weights by trained |w|, reset the
/// survivors to the rewind point and train again; with the controls of the paper trained beside it.
public struct LotteryTicketSearch {
    public let settings: LotteryTicketSettings
    public let scope: PruningScope
    /// Builds a freshly initialized network from a seed.
    public let makeModel: (UInt64) throws -> any Module
    /// Trains a network (with the hook, when given) for the fixed budget and returns its test accuracy;
    /// the third argument names the training (a checkpointing trainer keeps one checkpoint per name).
    public let train: (any Module, (any TrainingHook)?, LotteryTraining) throws -> Double

    public init(settings: LotteryTicketSettings, scope: PruningScope = PruningScope(distribution: .layerwise),
                makeModel: @escaping (UInt64) throws -> any Module,
                namedTrain: @escaping (any Module, (any TrainingHook)?, LotteryTraining) throws -> Double) {
        self.settings = settings; self.scope = scope; self.makeModel = makeModel; self.train = namedTrain
    }

    /// A search whose trainer does not need the trainings' names.
    public init(settings: LotteryTicketSettings, scope: PruningScope = PruningScope(distribution: .layerwise),
                makeModel: @escaping (UInt64) throws -> any Module,
                train: @escaping (any Module, (any TrainingHook)?) throws -> Double) {
        self.init(settings: settings, scope: scope, makeModel: makeModel,
                  namedTrain: { net, hook, _ in try train(net, hook) })
    }

    /// Runs every round; `roundDone` sees each result as it is measured. `totalSteps` is the training
    /// budget in optimizer steps (the rewind step must fall inside it). `progress` receives the state after
    /// every round (a safe point to checkpoint); a run started from such a state (`resume`) continues with
    /// the next round and ends as the uninterrupted run would.
    public func run(seed: UInt64, totalSteps: Int, resume: LotteryProgress? = nil,
                    roundDone: (LotteryRound) throws -> Void = { _ in },
                    progress: (LotteryProgress) throws -> Void = { _ in }) throws -> LotteryTicket {
        guard settings.rewindStep <= totalSteps else {
            throw PruningError.invalidOption("the rewind step \(settings.rewindStep) is beyond training, which has "
                                             + "\(totalSteps) steps")
        }
        let model = try makeModel(seed)
        let targets = try scope.targets(in: model)
        var rounds: [LotteryRound], rewind: [String: Tensor]
        if let resume {
            (rounds, rewind) = try resume.restore(into: model, targets: targets)
        } else {
            (rounds, rewind) = try trainDense(model, roundDone: roundDone)
            try progress(LotteryProgress(rounds: rounds, model: model, targets: targets, rewind: rewind))
        }
        for round in rounds.count..<(settings.rounds + 1) {
            let masks = nextMasks(targets)
            rewindWeights(model, to: rewind)
            for (t, m) in zip(targets, masks) { t.parameter.mask = Tensor(unchecked: t.shape, m) }
            let result = try measure(round: round, masks: masks, model: model, targets: targets, seed: seed,
                                     rewind: rewind)
            rounds.append(result)
            try roundDone(result)
            try progress(LotteryProgress(rounds: rounds, model: model, targets: targets, rewind: rewind))
        }
        let masks = Dictionary(uniqueKeysWithValues: targets.map { ($0.path, $0.parameter.mask!) })
        return LotteryTicket(rewindState: rewind, masks: masks, rewindStep: settings.rewindStep, rounds: rounds,
                             trained: model)
    }

    /// Round 0: the dense network trained, its weights saved at the rewind step.
    func trainDense(_ model: any Module, roundDone: (LotteryRound) throws -> Void) throws
        -> ([LotteryRound], [String: Tensor]) {
        let snapshot = RewindSnapshot(model: model, step: settings.rewindStep)
        let accuracy = try train(model, snapshot, LotteryTraining(round: 0, network: .ticket))
        let round = LotteryRound(round: 0, density: 1, ticket: accuracy, reinitialized: nil, randomMask: nil)
        try roundDone(round)
        guard let rewind = snapshot.state else {
            throw PruningError.invalidOption("training ended before the rewind step \(settings.rewindStep)")
        }
        return ([round], rewind)
    }

    /// Trains the ticket (already rewound and masked) and the asked-for controls.
    func measure(round: Int, masks: [[Float]], model: any Module, targets: [PruningTarget], seed: UInt64,
                 rewind: [String: Tensor]) throws -> LotteryRound {
        let kept = masks.reduce(0) { $0 + $1.filter { $0 != 0 }.count }
        let density = Double(kept) / Double(max(1, targets.reduce(0) { $0 + $1.count }))
        let ticket = try train(model, nil, LotteryTraining(round: round, network: .ticket))
        var reinit: Double?, random: Double?
        if settings.reinitializationControl {
            let fresh = try makeModel(seed ^ (0xF2E5_4000 &+ UInt64(round)))
            let freshTargets = try scope.targets(in: fresh)
            for (t, m) in zip(freshTargets, masks) { t.parameter.mask = Tensor(unchecked: t.shape, m) }
            reinit = try train(fresh, nil, LotteryTraining(round: round, network: .reinitialized))
        }
        if settings.randomMaskControl {
            let other = try makeModel(seed)
            rewindWeights(other, to: rewind)
            var rng = RandomGenerator(seed: seed ^ (0x4A5D_0000 &+ UInt64(round)))
            for (t, m) in zip(try scope.targets(in: other), masks) {
                let scores = (0..<t.count).map { _ in Float.random(in: 0..<1, using: &rng) }
                let count = m.filter { $0 != 0 }.count
                t.parameter.mask = Tensor(unchecked: t.shape, MaskSelection.keepLargest(scores, count: count))
            }
            random = try train(other, nil, LotteryTraining(round: round, network: .randomMask))
        }
        return LotteryRound(round: round, density: density, ticket: ticket, reinitialized: reinit, randomMask: random)
    }

    /// The masks of the next round: `rate` of each layer's survivors with the smallest trained |w|
    /// removed (one threshold over the hidden layers when global), the output layer at its own rate.
    func nextMasks(_ targets: [PruningTarget]) -> [[Float]] {
        let rate = settings.rate, outputRate = settings.outputRate ?? settings.rate / 2
        let scores = targets.map { t in zip(t.parameter.value.scalars, t.maskScalars).map { $1 == 0 ? -1 : abs($0) } }
        let alive = targets.map { $0.maskScalars.filter { $0 != 0 }.count }
        let keep = { (n: Int, r: Double) in Int((Double(n) * (1 - r)).rounded()) }
        var masks = zip(scores, alive).map { s, n in MaskSelection.keepLargest(s, count: keep(n, rate)) }
        if settings.global, targets.count > 1 {
            let hidden = Array(scores.dropLast())
            masks = MaskSelection.keepLargestGlobally(hidden, count: keep(alive.dropLast().reduce(0, +), rate))
                + [masks[masks.count - 1]]
        }
        if let last = scores.indices.last {
            masks[last] = MaskSelection.keepLargest(scores[last], count: keep(alive[last], outputRate))
        }
        return masks
    }

    func rewindWeights(_ model: any Module, to state: [String: Tensor]) {
        for (path, p) in model.parameters() { if let v = state[path] { p.value = v } }
    }
}
