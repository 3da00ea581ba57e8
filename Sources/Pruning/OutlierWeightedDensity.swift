/// Outlier-weighted layer-wise sparsity for any network's layers (OWL; Yin et al. 2024, "Outlier Weighed
/// Layerwise Sparsity: A Missing Secret Sauce for Pruning LLMs to High Sparsity", `--allocation owl`):
/// layers with more outliers keep more weights. A layer's outlier ratio D is the fraction of its live
/// weights whose Wanda score |W_ij|·‖X_j‖₂ (calibration inputs) exceeds M times the layer's mean score;
/// the ratios are scaled to [0, 2λ] and each layer's sparsity is c − that value, the constant c chosen
/// so the weight-count-weighted mean sparsity is the target (the paper's rule for LLM blocks, which all
/// have the same size, weights the blocks equally; ours weights layers by size so the target holds). A
/// layer's sparsity is clipped to [what is already pruned in it, 1 − 1/n] (an iterative schedule cannot
/// revive weights) and c re-solved, so the target is still met. The paper's defaults for LLaMA are M = 5
/// and λ = 0.08.
public struct OutlierWeightedDensity: DensityAllocation {
    public let name = "owl"
    public var outlierMultiple: Double
    public var lambda: Double
    public var needs: [any CalibrationNeed] { [InputNorms()] }

    public init(outlierMultiple: Double = 5, lambda: Double = 0.08) {
        self.outlierMultiple = outlierMultiple; self.lambda = lambda
    }

    public func densities(_ shapes: [[Int]], density: Double) throws -> [Double] {
        throw PruningError.invalidOption("the owl allocation reads the layers' inputs on calibration data; it sets "
                                         + "the sparsities of one-shot and iterative pruning (prune prune "
                                         + "--allocation owl), not of training-time methods")
    }

    public func densities(_ targets: [PruningTarget], density: Double,
                          statistics: CalibrationStatistics) throws -> [Double] {
        try DensityAllocations.checkDensity(density)
        let ratios = try targets.map { try outlierRatio($0, statistics: statistics) }
        let sizes = targets.map { Double($0.count) }
        let pruned = targets.map { t in Double(t.maskScalars.filter { $0 == 0 }.count) / Double(max(t.count, 1)) }
        return Self.sparsities(ratios: ratios, sizes: sizes, floors: pruned, target: 1 - density,
                               lambda: lambda).map { 1 - $0 }
    }

    /// The fraction of the target's live weights whose Wanda score exceeds M times their mean.
    func outlierRatio(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> Double {
        let scores = try WandaImportance(rowwise: false).elementScores(target, statistics: statistics)
        let mask = target.maskScalars
        var sum = 0.0, live = 0
        for (s, m) in zip(scores, mask) where m != 0 { sum += Double(s); live += 1 }
        guard live > 0 else { return 0 }
        let threshold = outlierMultiple * sum / Double(live)
        var outliers = 0
        for (s, m) in zip(scores, mask) where m != 0 && Double(s) > threshold { outliers += 1 }
        return Double(outliers) / Double(live)
    }

    /// Sparsities c − scaled_l (scaled_l = 2λ·(D_l − min D)/(max D − min D)) clipped to [floor_l, 1 − 1/n_l],
    /// c found by bisection so that Σ n_l·s_l = target·Σ n_l (when the floors already pass the target, the
    /// floors).
    static func sparsities(ratios: [Double], sizes: [Double], floors: [Double], target: Double,
                           lambda: Double) -> [Double] {
        let lo = ratios.min() ?? 0, hi = ratios.max() ?? 0
        let scaled = ratios.map { hi > lo ? ($0 - lo) / (hi - lo) * 2 * lambda : 0 }
        let total = sizes.reduce(0, +)
        func at(_ c: Double) -> [Double] {
            (0..<scaled.count).map { min(max(c - scaled[$0], floors[$0]), max(1 - 1 / max(sizes[$0], 1), floors[$0])) }
        }
        func mean(_ s: [Double]) -> Double { zip(s, sizes).reduce(0) { $0 + $1.0 * $1.1 } / total }
        var low = -1.0, high = 2 + 2 * lambda
        for _ in 0..<200 {
            let mid = (low + high) / 2
            if mean(at(mid)) < target { low = mid } else { high = mid }
        }
        return at(high)
    }
}
