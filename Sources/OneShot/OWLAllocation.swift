import PruneTensor
import PruneNN

/// Outlier-weighted layer-wise sparsity (OWL; Yin et al. 2024, "Outlier Weighed Layerwise
/// Sparsity: A Missing Secret Sauce for Pruning LLMs to High Sparsity"): blocks with more
/// activation outliers keep more weights. For each block of the dense model, the outlier ratio
/// D_b is the fraction of its Linear weights whose Wanda score |W_ij|·‖X_j‖₂ exceeds M times the
/// block's mean score; the ratios are scaled to [0, 2λ] and shifted so their mean is the target
/// density 1 − S (the reference code's rule), and block b gets sparsity S_b = 1 − that density: the
/// mean over blocks is S and the sparsities spread over 2λ. The paper's defaults for LLaMA are
/// M = 5 and λ = 0.08.
public struct OWLAllocation: Sendable {
    public var outlierMultiple: Double
    public var lambda: Double

    public init(outlierMultiple: Double = 5, lambda: Double = 0.08) {
        self.outlierMultiple = outlierMultiple; self.lambda = lambda
    }

    /// The sparsity of each block for a uniform `target`; calibration runs through the dense model.
    public func blockSparsities<M: BlockSequentialModel>(_ model: M, calibration: [M.Batch],
                                                         target: OneShotSparsity) throws -> [OneShotSparsity] {
        guard case .unstructured(let s) = target else {
            throw OneShotError.invalid("OWL allocates unstructured sparsity; \(target) fixes the sparsity of "
                                        + "every layer")
        }
        guard lambda >= 0, outlierMultiple > 0 else {
            throw OneShotError.invalid("OWL needs λ ≥ 0 and M > 0, got λ = \(lambda), M = \(outlierMultiple)")
        }
        let ratios = try outlierRatios(model, calibration: calibration)
        let sparsities = Self.allocate(ratios: ratios, target: s, lambda: lambda)
        guard sparsities.allSatisfy({ $0 >= 0 && $0 < 1 }) else {
            throw OneShotError.invalid("OWL with λ = \(lambda) around sparsity \(s) gives block sparsities outside "
                                                + "[0, 1) (\(sparsities.min()!) … \(sparsities.max()!)); lower λ")
        }
        return sparsities.map { .unstructured($0) }
    }

    /// Scales outlier ratios to sparsities with mean `target`, each within target ± λ.
    static func allocate(ratios: [Double], target: Double, lambda: Double) -> [Double] {
        guard let lo = ratios.min(), let hi = ratios.max(), hi > lo else {
            return [Double](repeating: target, count: ratios.count)
        }
        let scaled = ratios.map { ($0 - lo) / (hi - lo) * 2 * lambda }
        let mean = scaled.reduce(0, +) / Double(scaled.count)
        return scaled.map { 1 - ($0 - mean + (1 - target)) }
    }

    /// The outlier ratio of each block of the dense model.
    func outlierRatios<M: BlockSequentialModel>(_ model: M, calibration: [M.Batch]) throws -> [Double] {
        var hidden = try calibration.map { try model.embed($0) }
        var ratios: [Double] = []
        for b in 0..<model.blockCount {
            let collector = BlockStatisticsCollector(collectGram: false)
            for (i, batch) in calibration.enumerated() {
                collector.tokenMask = model.tokenMask(batch)
                hidden[i] = try model.runBlock(b, hidden[i], batch: batch, observer: collector)
            }
            var scores: [Double] = []
            for (path, linear) in try model.linearLayers(ofBlock: b) {
                guard let stats = collector.statistics[path] else { continue }
                let norms = stats.featureNorms, w = linear.prunableWeight.value, cols = linear.inFeatures
                scores.reserveCapacity(scores.count + w.count)
                for (k, v) in w.scalars.enumerated() { scores.append(Double(abs(v)) * norms[k % cols]) }
            }
            let mean = scores.reduce(0, +) / Double(max(scores.count, 1))
            let outliers = scores.reduce(0) { $0 + ($1 > outlierMultiple * mean ? 1 : 0) }
            ratios.append(Double(outliers) / Double(max(scores.count, 1)))
        }
        return ratios
    }
}
