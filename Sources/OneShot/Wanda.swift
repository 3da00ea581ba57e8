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
        var w = weight
        // Rows are independent: each scores its weights and zeroes its lowest.
        w.scalars.withUnsafeMutableBufferPointer { pw in
            norms.withUnsafeBufferPointer { pn in
                nonisolated(unsafe) let pw = pw
                parallelFor(rows, work: cols * 16) { r in
                    let row = UnsafeMutableBufferPointer(rebasing: pw[(r * cols)..<((r + 1) * cols)])
                    Self.pruneRow(row, norms: pn, sparsity: sparsity)
                }
            }
        }
        return w
    }

    /// Zeroes the lowest |w_j|·‖X_j‖₂ of one row (per run of M for N:M).
    private static func pruneRow(_ row: UnsafeMutableBufferPointer<Float>, norms: UnsafeBufferPointer<Double>,
                                 sparsity: OneShotSparsity) {
        let cols = row.count
        withUnsafeTemporaryAllocation(of: Double.self, capacity: cols) { scores in
            for c in 0..<cols { scores[c] = Double(Swift.abs(row[c])) * norms[c] }
            withUnsafeTemporaryAllocation(of: Bool.self, capacity: cols) { remove in
                remove.initialize(repeating: false)
                LowestSelection.markRow(UnsafeBufferPointer(scores), into: remove, sparsity: sparsity)
                for c in 0..<cols where remove[c] { row[c] = 0 }
            }
        }
    }
}
