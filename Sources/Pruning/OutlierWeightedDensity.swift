/// Outlier-weighted layer-wise sparsity for any network's layers (OWL; Yin et al. 2024, "Outlier Weighed
/// Layerwise Sparsity: A Missing Secret Sauce for Pruning LLMs to High Sparsity", `--allocation owl`):
/// layers with more outliers keep more weights. A layer's outlier ratio D is the fraction of its live
/// weights whose Wanda score |W_ij|·‖X_j‖₂ (calibration inputs) exceeds M times the layer's mean score;
/// the ratios are scaled to [0, 2λ] and each layer's sparsity is c − that value, the constant c chosen
/// so the weight-count-weighted mean sparsity is the target (the paper's rule for LLM blocks, which all
/// have the same size, weights the blocks equally; ours weights layers by size so the target holds). A
/// sparsity that would leave [0, 1) is clipped and c re-solved, so the target is still met. The paper's
/// defaults for LLaMA are M = 5 and λ = 0.08.
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
        return Self.sparsities(ratios: ratios, sizes: sizes, target: 1 - density, lambda: lambda).map { 1 - $0 }
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

    /// Sparsities c − scaled_l (scaled_l = 2λ·(D_l − min D)/(max D − min D)) clipped to [0, 1 − 1/n_l], c
    /// found by bisection so that Σ n_l·s_l = target·Σ n_l.
    static func sparsities(ratios: [Double], sizes: [Double], target: Double, lambda: Double) -> [Double] {
        guard let lo = ratios.min(), let hi = ratios.max(), hi > lo, lambda > 0 else {
            return ratios.map { _ in target }
        }
        let scaled = ratios.map { ($0 - lo) / (hi - lo) * 2 * lambda }
        let total = sizes.reduce(0, +)
        func at(_ c: Double) -> [Double] {
            zip(scaled, sizes).map { min(max(c - $0.0, 0), 1 - 1 / max($0.1, 1)) }
        }
        func mean(_ s: [Double]) -> Double { zip(s, sizes).reduce(0) { $0 + $1.0 * $1.1 } / total }
        var low = target, high = target + 2 * lambda + 1
        for _ in 0..<200 {
            let mid = (low + high) / 2
            if mean(at(mid)) < target { low = mid } else { high = mid }
        }
        return at(high)
    }
}
