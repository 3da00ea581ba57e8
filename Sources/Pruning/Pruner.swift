import PruneAutodiff
import PruneNN
import PruneTensor

/// Everything one pruning run needs: criterion, pattern, scope, target, schedule and fine-tuning.
public struct PruningPlan: Sendable {
    public var criterion: any ImportanceCriterion
    public var pattern: SparsityPattern
    public var scope: PruningScope
    /// Fraction of the in-scope weights to remove (N:M patterns fix it at 1 − N/M).
    public var sparsity: Double
    public var schedule: PruningSchedule
    public var fineTuning: FineTuningOptions
    /// Calibration batches for criteria that need data.
    public var calibrationBatches: Int
    /// Rademacher probes per batch for the Hessian diagonal (OBD).
    public var hessianProbes: Int
    /// ICE-Pruning-style skipping: an iterative round whose pruning lowers test accuracy by less than
    /// this (a fraction, e.g. 0.005) skips its fine-tuning (Hu et al., "ICE-Pruning", 2025).
    public var skipFineTuningBelowDrop: Double?

    public init(criterion: any ImportanceCriterion, pattern: SparsityPattern = .unstructured, scope: PruningScope = .init(),
                sparsity: Double, schedule: PruningSchedule = .oneShot, fineTuning: FineTuningOptions = .init(epochs: 0),
                calibrationBatches: Int = 16, hessianProbes: Int = 1) {
        self.criterion = criterion; self.pattern = pattern; self.scope = scope; self.sparsity = sparsity
        self.schedule = schedule; self.fineTuning = fineTuning; self.calibrationBatches = calibrationBatches
        self.hessianProbes = hessianProbes
    }

    /// The sparsity the run ends at.
    public var effectiveSparsity: Double {
        if case .nOfM(let n, let m) = pattern { return 1 - Double(n) / Double(m) }
        return sparsity
    }

    /// Checks the target before any work; errors say what is impossible.
    public func validate() throws {
        guard sparsity.isFinite, sparsity >= 0, sparsity < 1 else {
            throw PruningError.impossibleTarget("sparsity must be in [0, 1), got \(sparsity)")
        }
        if case .nOfM(let n, let m) = pattern, sparsity != 0, abs(sparsity - (1 - Double(n) / Double(m))) > 1e-9 {
            throw PruningError.impossibleTarget("the \(n):\(m) pattern fixes sparsity at \(1 - Double(n) / Double(m)), not \(sparsity)")
        }
        if fineTuning.epochs < 0 { throw PruningError.invalidOption("fine-tuning epochs must be ≥ 0") }
    }
}

/// The data a pruning run uses: training images (fine-tuning, calibration) and test images (accuracy).
public struct PruningData: Sendable {
    public var train: LabeledImages
    public var test: LabeledImages
    public var normalization: (mean: Float, std: Float)
    public init(train: LabeledImages, test: LabeledImages, normalization: (mean: Float, std: Float)) {
        self.train = train; self.test = test; self.normalization = normalization
    }
}

/// Runs a pruning plan on a model: scores, masks, fine-tunes by the schedule, bakes, reports.
public enum Pruner {
    /// Prunes `model` in place and returns the report. `teacher` (the dense model) is used for distillation.
    public static func run(_ model: any Module, plan: PruningPlan, data: PruningData, teacher: (any Module)? = nil,
                           inputShape: [Int], log: ((String) -> Void)? = nil) throws -> PruningReport {
        try plan.validate()
        for (path, p) in model.parameters() where p.value.scalars.contains(where: { !$0.isFinite }) {
            throw PruningError.incompatible(layer: path, reason: "has NaN or infinite weights")
        }
        let targets = try plan.scope.targets(in: model)
        let evaluate = { () throws -> Double in
            let loader = try DataLoader(data.test, batchSize: 500, mean: data.normalization.mean, std: data.normalization.std)
            return Double(try Trainer.evaluate(model, loader: loader).accuracy)
        }
        let dense = try evaluate()
        func pruneTo(_ s: Double) throws {
            let loader = try DataLoader(data.train, batchSize: plan.fineTuning.batchSize, shuffle: true, seed: plan.fineTuning.seed &+ 7,
                                        mean: data.normalization.mean, std: data.normalization.std)
            let stats = try Calibration.collect(model: model, targets: targets, needs: plan.criterion.needs, loader: loader,
                                                batches: plan.calibrationBatches, seed: plan.fineTuning.seed, probes: plan.hessianProbes,
                                                movementLearningRate: plan.fineTuning.learningRate * plan.fineTuning.learningRateMultiplier)
            let masks = try MaskBuilder.masks(targets: targets, criterion: plan.criterion, statistics: stats, pattern: plan.pattern,
                                              scope: plan.scope, sparsity: s)
            for t in targets { t.parameter.mask = Tensor(unchecked: t.shape, masks[t.path]!) }
        }
        var afterPruning: Double?
        var finalAccuracy: Double?
        let target = plan.effectiveSparsity
        switch plan.schedule {
        case .oneShot:
            try pruneTo(target)
            afterPruning = try evaluate()
            log?(String(format: "pruned to %.2f%%: accuracy %.2f%%", target * 100, afterPruning! * 100))
            if plan.fineTuning.epochs > 0 {
                _ = try FineTuner.run(model, data: data.train, normalization: data.normalization, options: plan.fineTuning,
                                      epochs: plan.fineTuning.epochs, teacher: teacher)
                finalAccuracy = try evaluate()
            }
        case .iterative(let rate, let epochs):
            let rounds = plan.pattern.fixesSparsity ? [target] : try PruningSchedule.iterativeTargets(rate: rate, target: target)
            var previous = dense
            var skipped = 0
            for (r, s) in rounds.enumerated() {
                try pruneTo(s)
                let acc = try evaluate()
                if r == rounds.count - 1 { afterPruning = acc }
                if let limit = plan.skipFineTuningBelowDrop, previous - acc < limit {
                    skipped += 1
                    log?(String(format: "round %d/%d: sparsity %.2f%%, accuracy %.2f%% (drop %.2f points < %.2f): fine-tuning skipped",
                                r + 1, rounds.count, s * 100, acc * 100, (previous - acc) * 100, limit * 100))
                    finalAccuracy = acc
                    previous = acc
                    continue
                }
                if epochs > 0 {
                    _ = try FineTuner.run(model, data: data.train, normalization: data.normalization, options: plan.fineTuning,
                                          epochs: epochs, teacher: teacher)
                }
                finalAccuracy = try evaluate()
                previous = finalAccuracy!
                log?(String(format: "round %d/%d: sparsity %.2f%%, accuracy %.2f%% pruned, %.2f%% fine-tuned", r + 1, rounds.count,
                            s * 100, acc * 100, finalAccuracy! * 100))
            }
            if skipped > 0 { log?("fine-tuning skipped in \(skipped) of \(rounds.count) rounds") }
            if epochs == 0 { finalAccuracy = nil }
        case .gradual(let initial, let start, let frequency, let steps):
            guard frequency > 0, steps > 0 else { throw PruningError.invalidOption("gradual pruning needs a frequency and a step count > 0") }
            guard plan.fineTuning.epochs > 0 else { throw PruningError.invalidOption("gradual pruning happens during fine-tuning: give it epochs") }
            let batches = (data.train.count + plan.fineTuning.batchSize - 1) / plan.fineTuning.batchSize
            guard start + frequency * steps <= batches * plan.fineTuning.epochs else {
                throw PruningError.impossibleTarget("gradual pruning ends at step \(start + frequency * steps), after the \(batches * plan.fineTuning.epochs) fine-tuning steps")
            }
            if let s0 = PruningSchedule.gradualSparsity(atStep: 0, initial: initial, final: target, startStep: start, frequency: frequency, pruningSteps: steps) {
                try pruneTo(s0)
            }
            _ = try FineTuner.run(model, data: data.train, normalization: data.normalization, options: plan.fineTuning,
                                  epochs: plan.fineTuning.epochs, teacher: teacher) { step in
                if let s = PruningSchedule.gradualSparsity(atStep: step, initial: initial, final: target, startStep: start,
                                                           frequency: frequency, pruningSteps: steps) {
                    try pruneTo(s)
                    if step == start + frequency * steps { afterPruning = try evaluate(); model.train() }
                }
            }
            finalAccuracy = try evaluate()
        }
        for t in targets { t.parameter.bake() }
        var report = try PruningReport.measure(model, scopePaths: Set(targets.map(\.path)), inputShape: inputShape)
        report.accuracyDense = dense
        report.accuracyAfterPruning = afterPruning
        report.accuracyAfterFineTuning = finalAccuracy
        report.settings = ["criterion": plan.criterion.name, "pattern": plan.pattern.description,
                           "scope": "\(plan.scope.distribution)", "schedule": "\(plan.schedule)",
                           "in-scope weights": targets.map(\.path).joined(separator: ", ")]
        return report
    }
}
