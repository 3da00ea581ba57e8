import PruneTensor

/// Magnitude pruning without data (Han et al. 2015), as the one-shot baseline: unstructured
/// removes the smallest |w| of the whole layer (layer-wise threshold); N:M keeps the N largest |w|
/// of every M consecutive inputs in each row.
public struct MagnitudeOneShot: OneShotMethod {
    public init() {}
    public var name: String { "magnitude" }
    public var needsGram: Bool { false }

    public func prune(weight: Tensor, statistics: LinearInputStatistics, sparsity: OneShotSparsity,
                      layer: String) throws -> Tensor {
        let rows = weight.shape[0], cols = weight.shape[1]
        try sparsity.validate(columns: cols, layer: layer)
        let scores = weight.scalars.map { Double(Swift.abs($0)) }
        let remove: [Bool]
        switch sparsity {
        case .unstructured(let s):
            remove = LowestSelection.lowest(scores[...], count: Int((s * Double(scores.count)).rounded()))
        case .nOfM:
            remove = LowestSelection.perRow(scores, rows: rows, cols: cols, sparsity: sparsity)
        }
        var w = weight
        for i in remove.indices where remove[i] { w.scalars[i] = 0 }
        return w
    }
}
