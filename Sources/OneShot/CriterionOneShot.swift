import PruneNN
import PrunePruning
import PruneTensor

/// Any ``ImportanceCriterion`` as a one-shot method for transformer Linear layers: the criterion
/// scores the weight (with the layer's calibration input norms as its `InputNorms` statistics),
/// and the layer loses the lowest-scoring fraction (N:M: per run of M inputs; criteria that compare
/// within output rows, like Wanda, per row). One-shot calibration has no labels, so criteria that
/// need loss gradients or a Hessian are refused with a message saying so.
public struct CriterionOneShot: OneShotMethod {
    public let criterion: any ImportanceCriterion
    public init(_ criterion: any ImportanceCriterion) { self.criterion = criterion }
    public var name: String { criterion.name }
    public var needsGram: Bool { false }

    public func prune(weight: Tensor, statistics: LinearInputStatistics, sparsity: OneShotSparsity,
                      layer: String) throws -> Tensor {
        let cols = weight.shape[1]
        try statistics.check(columns: cols, layer: layer)
        try sparsity.validate(columns: cols, layer: layer)
        if let need = criterion.needs.first(where: { !($0 is InputNorms) }) {
            throw OneShotError.invalid("\(criterion.name) needs \(need.key), which one-shot calibration (unlabelled "
                                       + "sentences) does not measure; use a weight criterion, wanda or sparsegpt")
        }
        let linear = Linear(weight: weight, bias: nil)
        let target = PruningTarget(layer: linear, at: layer)
        var stats = CalibrationStatistics()
        stats.inputNormSquareSums[layer] = statistics.sumOfSquares.map(Float.init)
        let pattern: SparsityPattern
        switch sparsity {
        case .unstructured: pattern = .unstructured
        case .nOfM(let n, let m): pattern = .nOfM(n: n, m: m)
        }
        let masks = try MaskBuilder.masks(targets: [target], criterion: criterion, statistics: stats, pattern: pattern,
                                          scope: PruningScope(distribution: .layerwise), sparsity: sparsity.fraction)
        var w = weight
        for (i, keep) in masks[target.path]!.enumerated() where keep == 0 { w.scalars[i] = 0 }
        return w
    }
}
