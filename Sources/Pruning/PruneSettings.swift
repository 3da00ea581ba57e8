/// A pruning run as the CLI and recipes spell it (strings mapped once to types here).
public struct PruneSettings: Sendable, Equatable {
    public var criterion = "magnitude"
    public var granularity = "unstructured"
    /// global, layerwise or protected; nil: global, or layerwise for a criterion that compares within
    /// output rows (Wanda).
    public var scope: String?
    public var protect = 0.02
    /// Per-layer sparsities by weight or layer path.
    public var layers: [String: Double] = [:]
    public var include: [String] = []
    public var exclude: [String] = []
    public var keepFirstLast = false
    /// Nil: 0.9, or the N:M pattern's own sparsity.
    public var sparsity: Double?
    /// oneshot, iterative or agp.
    public var schedule = "oneshot"
    public var rate = 0.5
    public var agpFrequency = 100
    public var agpRamp = 0.75
    public var calibrationBatches = 16
    public var finetuneEpochs = 1
    public var learningRate: Float = 1e-3
    public var learningRateMultiplier: Float = 0.1
    public var distillWeight: Float = 0
    public var temperature: Float = 4
    public var batchSize = 64
    public var seed: UInt64 = 0
    /// Skip an iterative round's fine-tuning when pruning cost less than this much accuracy (fraction).
    public var skipFineTuningBelowDrop: Double?
    /// Structured removal through the dependency graph instead of masks: nil for masks.
    public var structured: StructuredSettings?

    public init() {}

    /// The plan; `trainCount` sizes the AGP schedule.
    public func plan(trainCount: Int) throws -> PruningPlan {
        let pattern = try SparsityPattern.parse(granularity)
        let importance = try ImportanceRegistry.make(criterion, seed: seed)
        var distribution: PruningScope.Distribution
        switch effectiveScope(importance) {
        case "global": distribution = .global
        case "layerwise": distribution = .layerwise
        case "protected": distribution = .globalProtected(minimumKept: protect)
        default: throw PruningError.invalidOption("unknown scope \(scope ?? ""); known: global, layerwise, protected")
        }
        if !layers.isEmpty { distribution = .perLayer(layers) }
        let scopeValue = PruningScope(distribution: distribution, include: include, exclude: exclude, keepFirstAndLastDense: keepFirstLast)
        let sched: PruningSchedule
        switch schedule {
        case "oneshot", "one-shot": sched = .oneShot
        case "iterative": sched = .iterative(rate: rate, epochsPerRound: finetuneEpochs)
        case "agp", "gradual":
            guard agpFrequency > 0, agpRamp > 0, agpRamp <= 1 else {
                throw PruningError.invalidOption("AGP needs a frequency > 0 and a ramp in (0, 1]")
            }
            let total = (trainCount + batchSize - 1) / batchSize * finetuneEpochs
            let steps = max(1, Int(Double(total) * agpRamp) / agpFrequency)
            sched = .gradual(initialSparsity: 0, startStep: 0, frequency: agpFrequency, pruningSteps: steps)
        default: throw PruningError.invalidOption("unknown schedule \(schedule); known: oneshot, iterative, agp")
        }
        let ft = FineTuningOptions(epochs: finetuneEpochs, learningRate: learningRate, learningRateMultiplier: learningRateMultiplier,
                                   distillation: distillWeight > 0 ? (distillWeight, temperature) : nil, batchSize: batchSize, seed: seed)
        var plan = PruningPlan(criterion: importance, pattern: pattern, scope: scopeValue,
                               sparsity: sparsity ?? (pattern.fixesSparsity ? 0 : 0.9), schedule: sched, fineTuning: ft,
                               calibrationBatches: calibrationBatches)
        plan.skipFineTuningBelowDrop = skipFineTuningBelowDrop
        return plan
    }

    /// The scope named, or the criterion's natural one when none is.
    public func effectiveScope(_ importance: any ImportanceCriterion) -> String {
        scope ?? (importance.comparesWithinOutputRows ? "layerwise" : "global")
    }
}

/// Structured (physical) channel removal as the CLI and recipes spell it.
public struct StructuredSettings: Sendable, Equatable {
    /// flops, parameters or channels.
    public var target = "flops"
    /// Fraction of dense FLOPs or parameters to keep, or fraction of channels to remove.
    public var ratio = 0.5
    /// l1, l2, bn, fpgm or random.
    public var importance = "l2"
    /// sum, mean or max over a group's members.
    public var aggregation = "sum"
    /// Every group keeps at least this fraction of its channels.
    public var minimumKept = 0.1
    /// Residual blocks (with identity shortcuts) to remove before pruning channels.
    public var removeBlocks = 0
    /// Kept channel counts are rounded up to a multiple of this.
    public var roundTo = 1
    public init() {}
}
