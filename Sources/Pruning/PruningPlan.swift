import PruneNN

/// Everything one pruning run needs: criterion, pattern, scope, target, schedule and fine-tuning.
public struct PruningPlan: Sendable {
    public var criterion: any ImportanceCriterion
    public var pattern: SparsityPattern
    public var scope: PruningScope
    /// Fraction of the in-scope weights to remove (N:M patterns fix it at 1 − N/M).
    public var sparsity: Double
    public var schedule: any PruningSchedule
    public var fineTuning: FineTuningOptions
    /// Calibration batches for criteria that need data.
    public var calibrationBatches: Int
    /// Rademacher probes per batch for the Hessian diagonal (OBD).
    public var hessianProbes: Int
    /// ICE-Pruning-style skipping: an iterative round whose pruning lowers test accuracy by less than
    /// this (a fraction, e.g. 0.005) skips its fine-tuning (Hu et al., "ICE-Pruning", 2025).
    public var skipFineTuningBelowDrop: Double?

    public init(criterion: any ImportanceCriterion, pattern: SparsityPattern = .unstructured,
                scope: PruningScope = .init(),
                sparsity: Double, schedule: any PruningSchedule = OneShotSchedule(), fineTuning: FineTuningOptions = .init(epochs: 0),
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
        try schedule.validate(target: effectiveSparsity, pattern: pattern)
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
