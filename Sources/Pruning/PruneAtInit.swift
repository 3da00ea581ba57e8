import Foundation
import PruneNN
import PruneTensor

/// Pruning at initialization: masks computed on the untrained network, before any training, then kept
/// while the sparse network trains (the parameters' masks zero their gradients). The criteria are
/// ``InitializationCriterion`` types: SNIP (Lee et al. 2019), GraSP (Wang et al. 2020), SynFlow
/// (Tanaka et al. 2020) and the random control. Multi-round criteria (SynFlow) prune to d^(k/rounds)
/// after round k, masks applied between rounds.
public struct PruneAtInit: Sendable {
    /// The built-in criteria; their names are the CLI's.
    public static let criteria: [any InitializationCriterion] = [SNIPAtInit(), GraSPAtInit(), SynFlowAtInit(),
                                                                 RandomAtInit()]
    /// The criteria's names.
    public static var names: [String] { criteria.map(\.name) }

    public let criterion: any InitializationCriterion
    public let sparsity: Double
    public let scope: PruningScope
    /// Per-layer densities from this allocation; nil: the criterion's own choice (see
    /// ``InitializationCriterion/defaultAllocation``).
    public let allocation: (any DensityAllocation)?

    /// `name` one of ``names``; `sparsity` the fraction of the in-scope weights removed.
    public init(_ name: String, sparsity: Double, scope: PruningScope = PruningScope(distribution: .global),
                allocation: (any DensityAllocation)? = nil, temperature: Float? = nil) throws {
        var c = try NamedChoice.find(name, in: Self.criteria, kind: "pruning-at-initialization criterion") { $0.name }
        if let temperature {
            guard c is GraSPAtInit else {
                throw PruningError.invalidOption("a temperature is a GraSP setting; \(c.name) has none")
            }
            c = GraSPAtInit(temperature: temperature)
        }
        try self.init(criterion: c, sparsity: sparsity, scope: scope, allocation: allocation)
    }

    public init(criterion: any InitializationCriterion, sparsity: Double,
                scope: PruningScope = PruningScope(distribution: .global),
                allocation: (any DensityAllocation)? = nil) throws {
        guard sparsity.isFinite, sparsity > 0, sparsity < 1 else {
            throw PruningError.impossibleTarget("pruning at initialization needs a sparsity in (0, 1), got \(sparsity)")
        }
        try criterion.validate()
        self.criterion = criterion; self.sparsity = sparsity; self.scope = scope; self.allocation = allocation
    }

    /// Scores `model` on the first batch of `loader` (SynFlow: on its shape only) and sets the masks;
    /// returns the in-scope sparsity reached.
    @discardableResult
    public func apply(to model: any Module, loader: DataLoader, seed: UInt64 = 0) throws -> Double {
        var it = loader.makeIterator()
        guard let first = it.next() else {
            throw PruningError.invalidOption("pruning at initialization needs training data; the loader is empty")
        }
        return try apply(to: model, data: InitializationData(batches: [first], seed: seed))
    }

    /// Scores `model` on `data` and sets the masks; returns the in-scope sparsity reached.
    @discardableResult
    public func apply(to model: any Module, data: InitializationData) throws -> Double {
        let targets = try scope.targets(in: model)
        let total = targets.reduce(0) { $0 + $1.count }
        let layerDensities = try (allocation ?? criterion.defaultAllocation)?
            .densities(targets.map(\.shape), density: 1 - sparsity)
        for round in 1...max(1, criterion.rounds) {
            let fraction = Double(round) / Double(max(1, criterion.rounds))
            let scores = try criterion.scores(model, targets: targets, data: data)
            let masks = layerDensities.map { d in
                MaskSelection.keepLargest(scores, densities: d.map { pow($0, fraction) })
            } ?? MaskSelection.keepLargestGlobally(scores, count: Int((pow(1 - sparsity, fraction)
                                                                          * Double(total)).rounded()))
            for (t, m) in zip(targets, masks) { t.parameter.mask = Tensor(unchecked: t.shape, m) }
        }
        return targets.sparsity
    }
}
