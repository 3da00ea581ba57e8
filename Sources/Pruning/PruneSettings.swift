/// A pruning run's settings as the CLI and recipes give them, each already parsed into its type.
public struct PruneSettings: Sendable, Equatable {
    public var criterion = CriterionName.magnitude
    public var granularity = SparsityPattern.unstructured
    /// Nil: global, or layerwise for a criterion that compares within output rows (Wanda).
    public var scope: ScopeChoice?
    public var protect = 0.02
    /// Per-layer sparsities by weight or layer path.
    public var layers: [String: Double] = [:]
    /// A density allocation (uniform, er, erk, owl) that sets each layer's sparsity from the overall target.
    public var allocation: String?
    public var include: [String] = []
    public var exclude: [String] = []
    public var keepFirstLast = false
    /// Nil: 0.9, or the N:M pattern's own sparsity.
    public var sparsity: Double?
    public var schedule = ScheduleName.oneShot
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
        try validate()
        let importance = try criterion.make(seed: seed)
        var distribution: PruningScope.Distribution
        switch effectiveScope(importance) {
        case .global: distribution = .global
        case .layerwise: distribution = .layerwise
        case .protected: distribution = .globalProtected(minimumKept: protect)
        }
        if !layers.isEmpty { distribution = .perLayer(layers) }
        if let allocation { distribution = .allocated(try AllocationRule(named: allocation)) }
        let scopeValue = PruningScope(distribution: distribution, include: include, exclude: exclude,
                                      keepFirstAndLastDense: keepFirstLast)
        var scheduleSettings = ScheduleSettings()
        scheduleSettings.rate = rate; scheduleSettings.epochs = finetuneEpochs
        scheduleSettings.agpFrequency = agpFrequency; scheduleSettings.agpRamp = agpRamp
        scheduleSettings.stepsPerEpoch = (trainCount + batchSize - 1) / batchSize
        let sched = try ScheduleRegistry.make(schedule.name, settings: scheduleSettings)
        var plan = PruningPlan(criterion: importance, pattern: granularity, scope: scopeValue,
                               sparsity: sparsity ?? (granularity.fixesSparsity ? 0 : 0.9), schedule: sched,
                               fineTuning: fineTuning, calibrationBatches: calibrationBatches)
        plan.skipFineTuningBelowDrop = skipFineTuningBelowDrop
        return plan
    }

    /// The fine-tuning options these settings give.
    public var fineTuning: FineTuningOptions {
        FineTuningOptions(epochs: finetuneEpochs, learningRate: learningRate,
                          learningRateMultiplier: learningRateMultiplier,
                          distillation: distillWeight > 0 ? (distillWeight,
                                                             temperature) : nil, batchSize: batchSize, seed: seed)
    }

    /// The scope named, or the criterion's natural one when none is.
    public func effectiveScope(_ importance: any ImportanceCriterion) -> ScopeChoice {
        scope ?? (importance.comparesWithinOutputRows ? .layerwise : .global)
    }
}

/// Structured (physical) channel removal as the CLI and recipes give it.
public struct StructuredSettings: Sendable, Equatable {
    public var target = StructuredTargetKind.flops
    /// Fraction of dense FLOPs or parameters to keep, or fraction of channels to remove.
    public var ratio = 0.5
    /// Any criterion of ``ImportanceRegistry`` (l1, l2, bn, fpgm, random, taylor, apoz, …).
    public var importance = CriterionName.l2
    /// How a group's member scores combine.
    public var aggregation = GroupAggregation.sum
    /// Every group keeps at least this fraction of its channels.
    public var minimumKept = 0.1
    /// Residual blocks (with identity shortcuts) to remove before pruning channels.
    public var removeBlocks = 0
    /// Choose step by step between removing a residual block and removing filters by CKA between parent
    /// and child (``HybridLayerFilterPruning``) instead of one removal of channels.
    public var layerOrFilter = false
    /// Epochs of DCP's stage-wise training with auxiliary losses before the channels are chosen
    /// (``AuxiliaryLossTraining``; with the dcp criterion only; 0: none).
    public var dcpStageEpochs = 0
    /// Kept channel counts are rounded up to a multiple of this.
    public var roundTo = 1
    /// The refit of the layers that lost input channels (``ChannelReconstructions``: weights, scales); nil
    /// for none.
    public var reconstruction: String?
    /// A search for per-group ratios under the FLOPs target (random, evolutionary, sensitivity, amc); nil
    /// prunes by scores.
    public var search: String?
    /// Candidates per generation, and generations, of the search.
    public var searchPopulation = 16
    public var searchGenerations = 8
    /// Training batches of 64 to re-estimate the BatchNorm statistics on right after the channels go
    /// (EagleEye's adaptive BatchNorm; 0: none).
    public var recalibrationBatches = 0
    /// The engine a latency target's lookup table is measured on: prune (this process) or onnxruntime.
    public var latencyEngine = "prune"
    /// Examples per call when latency is measured (1: single-example latency).
    public var latencyBatch = 1
    /// A latency lookup table file: read when it exists (it must fit the model, engine and batch), else
    /// measured and written there, so later runs on the same machine skip the measurement.
    public var latencyTable: String?
    public static let latencyEngines = ["prune", "onnxruntime"]
    public init() {}
}
