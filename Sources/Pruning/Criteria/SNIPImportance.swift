/// SNIP connection sensitivity (Lee, Ajanthan & Torr, "SNIP: Single-shot Network Pruning based on
/// Connection Sensitivity", ICLR 2019): s_j = |g_j·w_j| / Σ_k |g_k·w_k|, with g the loss gradient on
/// one mini-batch of the **untrained** network and the sum over every weight in scope; the top
/// fraction is kept globally and the sparse network is then trained.
///
/// The calibration-statistics form of the score, for library users who collect ``LossGradients``
/// anyway; `prune train --prune-at-init snip` uses ``SNIPAtInit``. Naming `snip` as a criterion for a
/// trained model is an error: there it would only be Taylor's |g·w| divided by a constant.
public struct SNIPImportance: ImportanceCriterion {
    public let name = "snip"
    public let needs: [any CalibrationNeed] = [LossGradients()]
    public init() {}

    public func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float] {
        let g = try statistics.meanGradient(target.path)
        let total = try statistics.totalSensitivity()
        return zip(g, target.parameter.value.scalars).map { abs($0 * $1) / Float(max(total, .leastNormalMagnitude)) }
    }
}

extension SNIPImportance: RegisteredCriterion {
    /// `snip` on a trained model is an error that says where SNIP belongs.
    public static let variants = [CriterionVariant("snip", listed: false) { _ in
        throw PruningError.invalidOption("snip is pruning at initialization (Lee et al. 2019): it scores an untrained "
            + "network once, before training; use `prune train --prune-at-init snip --sparsity S` (or taylor on a trained model)")
    }]
}
