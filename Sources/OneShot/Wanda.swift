import PruneTensor

/// Wanda, "pruning by weights and activations" (Sun, Liu, Bair & Kolter, "A Simple and Effective
/// Pruning Approach for Large Language Models", ICLR 2024): score S_ij = |W_ij|·‖X_j‖₂ with ‖X_j‖₂
/// the L2 norm of input feature j over all calibration tokens; the lowest s% of each output row
/// are removed (N:M: the M − N lowest of each run of M inputs in a row). No weight update.
public struct Wanda: OneShotMethod {
    public init() {}
    public var name: String { "wanda" }
    public var needsGram: Bool { false }

    public func prune(weight: Tensor, statistics: LinearInputStatistics, sparsity: OneShotSparsity,
                      layer: String) throws -> Tensor {
        let rows = weight.shape[0], cols = weight.shape[1]
        try statistics.check(columns: cols, layer: layer)
        guard statistics.tokens > 0 else { throw OneShotError.noCalibrationData("\(layer) saw no calibration tokens") }
        try sparsity.validate(columns: cols, layer: layer)
        let norms = statistics.featureNorms
        var scores = [Double](repeating: 0, count: rows * cols)
        for r in 0..<rows { for c in 0..<cols { scores[r * cols + c] = Double(Swift.abs(weight.scalars[r * cols + c])) * norms[c] } }
        let remove = LowestSelection.perRow(scores, rows: rows, cols: cols, sparsity: sparsity)
        var w = weight
        for i in remove.indices where remove[i] { w.scalars[i] = 0 }
        return w
    }
}
