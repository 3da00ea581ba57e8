import PruneNN

/// Wanda (Sun et al., "A Simple and Effective Pruning Approach for Large Language Models", ICLR 2024):
/// S_ij = |W_ij|·‖X_j‖₂, the weight magnitude times the L2 norm of the input feature it multiplies over
/// the calibration data, **compared within each output row** i (every row loses the same fraction;
/// N:M within each group of M inputs of a row). For a convolution, X_j is the input channel the
/// weight reads, over every position and image, and a row is one filter.
///
/// `rowwise: false` gives the same score ranked by the scope instead (per layer or globally), under the
/// name `input-weighted-magnitude`: not Wanda, a variant some users compare with.
public struct WandaImportance: ImportanceCriterion {
    public let rowwise: Bool
    public var name: String { rowwise ? "wanda" : "input-weighted-magnitude" }
    public let needs: [any CalibrationNeed] = [InputNorms()]
    public var comparesWithinOutputRows: Bool { rowwise }
    public init(rowwise: Bool = true) { self.rowwise = rowwise }

    public func elementScores(_ target: PruningTarget, statistics: CalibrationStatistics) throws -> [Float] {
        let norms = try statistics.inputNormSquares(target.layerPath).map { $0.squareRoot() }
        let w = target.parameter.value.scalars
        let k = target.kernelArea, fanIn = target.fanIn, perGroup = fanIn / k
        let groups = target.weightGroups
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

extension WandaImportance: RegisteredCriterion {
    public static let variants = [
        CriterionVariant("wanda") { _ in WandaImportance(rowwise: true) },
        CriterionVariant("input-weighted-magnitude") { _ in WandaImportance(rowwise: false) },
    ]
}
