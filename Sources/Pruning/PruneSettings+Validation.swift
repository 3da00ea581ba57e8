import Foundation

/// Range checks of every numeric setting, so a negative count, a fraction outside [0, 1] or a zero
/// temperature is one clear error naming the option before any work, never a silent reinterpretation.
extension PruneSettings {
    public func validate() throws {
        try SettingCheck.fraction(protect, "protect", below: 1)
        for (path, value) in layers { try SettingCheck.target(value, "the sparsity of \(path)", below: 1) }
        if let allocation {
            _ = try AllocationRule(named: allocation)
            guard layers.isEmpty, scope == nil else {
                throw PruningError.invalidOption("an allocation (\(allocation)) sets every layer's sparsity: give it "
                                                 + "without a scope or per-layer sparsities")
            }
        }
        if let sparsity { try SettingCheck.target(sparsity, "sparsity", below: 1) }
        try SettingCheck.open(rate, "rate", 0, 1)
        try SettingCheck.atLeast(agpFrequency, 1, "agp-frequency")
        guard agpRamp > 0, agpRamp <= 1 else {
            throw PruningError.invalidOption("agp-ramp must be in (0, 1], got \(agpRamp)")
        }
        try SettingCheck.atLeast(calibrationBatches, 1, "calibration-batches")
        try SettingCheck.atLeast(finetuneEpochs, 0, "finetune-epochs")
        try SettingCheck.positive(Double(learningRate), "lr")
        try SettingCheck.positive(Double(learningRateMultiplier), "lr-multiplier")
        try SettingCheck.fraction(Double(distillWeight), "distill-weight", below: nil)
        if distillWeight > 0 { try SettingCheck.positive(Double(temperature), "temperature") }
        try SettingCheck.atLeast(batchSize, 1, "batch-size")
        if let skipFineTuningBelowDrop { try SettingCheck.fraction(skipFineTuningBelowDrop, "skip-below-drop",
                                                                   below: nil) }
        try structured?.validate()
    }
}

extension StructuredSettings {
    public func validate() throws {
        guard ratio > 0, ratio <= 1 else {
            throw PruningError.impossibleTarget("ratio must be in (0, 1], got \(ratio)")
        }
        try SettingCheck.fraction(minimumKept, "minimum-kept", below: nil)
        try SettingCheck.atLeast(removeBlocks, 0, "remove-blocks")
        try SettingCheck.atLeast(roundTo, 1, "round-to")
        try SettingCheck.atLeast(recalibrationBatches, 0, "recalibrate-bn")
        try SettingCheck.atLeast(dcpStageEpochs, 0, "dcp-stage-epochs")
        if dcpStageEpochs > 0, importance.name != "dcp" || layerOrFilter {
            throw PruningError.invalidOption("--dcp-stage-epochs is DCP's training with auxiliary losses before its "
                                             + "channel selection: use it with --channel-importance dcp")
        }
        if let reconstruction { _ = try ChannelReconstructions.named(reconstruction) }
        try SettingCheck.atLeast(latencyBatch, 1, "latency-batch")
        guard Self.latencyEngines.contains(latencyEngine) else {
            throw PruningError.invalidOption("unknown latency engine \(latencyEngine); known: "
                                             + Self.latencyEngines.joined(separator: ", "))
        }
        if latencyTable != nil, target != .latency {
            throw PruningError.invalidOption("a latency table (--latency-table) is for a latency target (--speedup)")
        }
        if target == .latency || target == .energy, search == nil {
            throw PruningError.invalidOption("the \(target) target is met by a ratio search over per-group ratios: add "
                                             + "--ratio-search (random, evolutionary, sensitivity or amc)")
        }
        if layerOrFilter {
            guard target == .flops, ratio < 1, search == nil, removeBlocks == 0, reconstruction == nil else {
                throw PruningError.invalidOption("the layer-or-filter choice (CKA) removes blocks and filters step by "
                                                 + "step to a FLOPs target below 1; it does not combine with a ratio "
                                                 + "search, --remove-blocks or --reconstruct")
            }
        }
        if search != nil {
            guard [.flops, .latency, .energy].contains(target) else {
                throw PruningError.invalidOption("a ratio search looks for per-group ratios under a FLOPs, latency or "
                                                 + "energy target; use the flops, latency or energy structured target")
            }
            try SettingCheck.atLeast(searchPopulation, 2, "search-population")
            try SettingCheck.atLeast(searchGenerations, 1, "search-generations")
        }
    }
}

/// The checks behind ``PruneSettings/validate()``; each error names the option and the value.
public enum SettingCheck {
    /// A fraction in [0, 1], or [0, `below`) when `below` is given.
    public static func fraction(_ value: Double, _ name: String, below: Double?) throws {
        guard inRange(value, below: below) else { throw PruningError.invalidOption(message(value, name, below: below)) }
    }

    /// A target fraction (sparsity): out of range it is an impossible target.
    public static func target(_ value: Double, _ name: String, below: Double?) throws {
        guard inRange(value, below: below) else { throw PruningError.impossibleTarget(message(value, name,
                below: below)) }
    }

    static func inRange(_ value: Double, below: Double?) -> Bool {
        value.isFinite && value >= 0 && (below.map { value < $0 } ?? (value <= 1))
    }

    static func message(_ value: Double, _ name: String, below: Double?) -> String {
        "\(name) must be in [0, \(below.map { String(format: "%g)", $0) } ?? "1]"), got \(value)"
    }

    /// A value strictly between `low` and `high`.
    public static func open(_ value: Double, _ name: String, _ low: Double, _ high: Double) throws {
        guard value.isFinite, value > low, value < high else {
            throw PruningError.invalidOption("\(name) must be in (\(low), \(high)), got \(value)")
        }
    }

    /// A finite number above zero.
    public static func positive(_ value: Double, _ name: String) throws {
        guard value.isFinite, value > 0 else {
            throw PruningError.invalidOption("\(name) must be a positive number, got \(value)")
        }
    }

    /// A count at least `minimum` (and at most `maximum`, a bound far above any real run that keeps
    /// step arithmetic from overflowing).
    public static func atLeast(_ value: Int, _ minimum: Int, _ name: String, maximum: Int = 1 << 30) throws {
        guard value >= minimum else { throw PruningError.invalidOption("\(name) must be ≥ \(minimum), got \(value)") }
        guard value <= maximum else { throw PruningError.invalidOption("\(name) must be ≤ \(maximum), got \(value)") }
    }
}
