import PruneNN

/// |w_ij|·‖X_j‖₂: weight magnitude times the norm of the input feature it multiplies, over the
/// calibration data (Sun et al., "A Simple and Effective Pruning Approach for Large Language Models"
/// (Wanda), ICLR 2024). For a convolution, X_j is the input channel the weight reads, over every
/// position and image.
public struct WandaImportance: ImportanceCriterion {
    public let name = "wanda"
    public let needs: Set<CalibrationNeed> = [.inputNorms]
    public init() {}

    public func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float] {
        let norms = try statistics.inputNormSquares(target.layerPath).map { $0.squareRoot() }
        let w = target.parameter.value.scalars
        let k = target.kernelArea, fanIn = target.fanIn, perGroup = fanIn / k
        let groups = (target.layer as? Conv2d)?.geometry.groups ?? 1
        let outPerGroup = target.outputs / groups
        guard norms.count == perGroup * groups else {
            throw PruningError.missingStatistics("\(target.layerPath): \(norms.count) input norms for \(perGroup * groups) input channels")
        }
        var s = [Float](repeating: 0, count: w.count)
        for o in 0..<target.outputs {
            let base = (o / outPerGroup) * perGroup
            for j in 0..<fanIn { s[o * fanIn + j] = abs(w[o * fanIn + j]) * norms[base + j / k] }
        }
        return s
    }
}
