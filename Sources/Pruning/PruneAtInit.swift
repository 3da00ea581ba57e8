import PruneNN
import PruneTensor

/// Pruning at initialization: masks computed once on the untrained network, before any training,
/// then kept while the sparse network trains (the parameters' masks zero their gradients).
///
/// SNIP (Lee et al., ICLR 2019): connection sensitivity on one mini-batch, one global threshold.
public struct PruneAtInit: Sendable {
    /// The criteria that score an untrained network, by the names the CLI uses.
    public static let names = ["snip"]

    public let criterion: any ImportanceCriterion
    public let sparsity: Double
    public let scope: PruningScope

    /// `name` one of ``names``; `sparsity` the fraction of the in-scope weights removed.
    public init(_ name: String, sparsity: Double, scope: PruningScope = PruningScope(distribution: .global)) throws {
        switch name.lowercased() {
        case "snip": criterion = SNIPImportance()
        default:
            throw PruningError.invalidOption("unknown pruning-at-initialization criterion \(name); known: "
                                             + Self.names.joined(separator: ", "))
        }
        guard sparsity.isFinite, sparsity > 0, sparsity < 1 else {
            throw PruningError.impossibleTarget("pruning at initialization needs a sparsity in (0, 1), got \(sparsity)")
        }
        self.sparsity = sparsity
        self.scope = scope
    }

    /// Scores `model` on the first batch of `loader` and sets the masks; returns the in-scope
    /// sparsity reached.
    @discardableResult
    public func apply(to model: any Module, loader: DataLoader) throws -> Double {
        let targets = try scope.targets(in: model)
        let stats = try Calibration.collect(model: model, targets: targets, needs: criterion.needs, loader: loader,
                                            batches: 1)
        let masks = try MaskBuilder.masks(targets: targets, criterion: criterion, statistics: stats,
                                          pattern: .unstructured, scope: scope, sparsity: sparsity)
        var zeros = 0, total = 0
        for t in targets {
            let m = masks[t.path]!
            t.parameter.mask = Tensor(unchecked: t.shape, m)
            zeros += m.reduce(0) { $0 + ($1 == 0 ? 1 : 0) }
            total += m.count
        }
        return Double(zeros) / Double(max(total, 1))
    }
}
