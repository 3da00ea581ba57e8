import PruneAutodiff
import PruneNN
import PruneTensor

/// A regularizer added to the loss while the network trains, so that a hard mask at the end costs
/// little: `prune train --penalty NAME --penalty-weight λ --sparsity S` adds λ·penalty each step and
/// then prunes to S (single weights by |w| globally, or whole output rows by ‖W_r‖₂ for a
/// structured penalty). A new penalty is one conforming type added to ``SparsityPenalties/all``.
public protocol SparsityPenalty: Sendable {
    /// The name the CLI uses.
    var name: String { get }
    /// Whether the hard mask at the end removes output rows (channels, neurons) instead of weights.
    var structured: Bool { get }
    /// The penalty of the weights (without λ), differentiable.
    func penalty(_ targets: [PruningTarget]) throws -> Variable
}

/// L1: Σ|w| over every weight in scope (the lasso; Han et al. 2015 train with L1/L2 before pruning).
public struct L1Penalty: SparsityPenalty {
    public let name = "l1"
    public let structured = false
    public init() {}
    public func penalty(_ targets: [PruningTarget]) throws -> Variable {
        try SparsityPenalties.sum(targets) { try $0.abs().sum() }
    }
}

/// Group lasso over output channels: Σ_rows ‖W_r‖₂ (structured sparsity learning, Wen et al. 2016),
/// pushing whole neurons and filters to zero.
public struct GroupLassoPenalty: SparsityPenalty {
    public let name = "group-lasso"
    public let structured = true
    public init() {}
    public func penalty(_ targets: [PruningTarget]) throws -> Variable {
        try SparsityPenalties.sum(targets) { w in
            try (w.square().sum(axes: Array(1..<w.value.rank)) + 1e-12).sqrt().sum()
        }
    }
}

/// DeepHoyer's Hoyer-square per layer, (Σ|w|)² / Σw² (Yang, Wen & Li, ICLR 2020): scale-invariant and
/// almost everywhere differentiable, it favours few large weights over many small ones.
public struct HoyerSquarePenalty: SparsityPenalty {
    public let name = "hoyer"
    public let structured = false
    public init() {}
    public func penalty(_ targets: [PruningTarget]) throws -> Variable {
        try SparsityPenalties.sum(targets) { w in try w.abs().sum().square() / (w.square().sum() + 1e-12) }
    }
}

/// The penalties by name, and the hard mask that ends a penalized training.
public enum SparsityPenalties {
    public static let all: [any SparsityPenalty] = [L1Penalty(), GroupLassoPenalty(), HoyerSquarePenalty()]

    /// The penalty called `name`, or an error listing the known ones.
    public static func named(_ name: String) throws -> any SparsityPenalty {
        try NamedChoice.find(name, in: all, kind: "penalty") { $0.name }
    }

    static func sum(_ targets: [PruningTarget], _ term: (Variable) throws -> Variable) throws -> Variable {
        var total: Variable?
        for t in targets {
            let v = try term(t.parameter.variable())
            total = try total.map { try $0 + v } ?? v
        }
        guard let total else { throw PruningError.invalidOption("a penalty needs at least one weight in scope") }
        return total
    }

    /// Sets the hard masks at `sparsity`: weights by |w| with one global threshold, or (structured)
    /// each layer's output rows by ‖W_r‖₂, the last layer (the outputs) left whole. Returns the
    /// fraction of the in-scope weights pruned.
    @discardableResult
    public static func hardMask(_ targets: [PruningTarget], structured: Bool, sparsity: Double) throws -> Double {
        guard sparsity.isFinite, sparsity > 0, sparsity < 1 else {
            throw PruningError.impossibleTarget("the hard mask needs a sparsity in (0, 1), got \(sparsity)")
        }
        if structured {
            for t in targets.dropLast() {
                let w = t.parameter.effectiveValue.scalars, width = t.fanIn
                let norms = (0..<t.outputs).map { r in w[(r * width)..<((r + 1) * width)].reduce(0) { $0 + $1 * $1 } }
                let count = MaskSelection.keptCount(t.outputs, density: 1 - sparsity)
                let rows = MaskSelection.keepLargest(norms, count: count)
                t.parameter.mask = Tensor(unchecked: t.shape, rows.flatMap { [Float](repeating: $0, count: width) })
            }
        } else {
            let total = targets.reduce(0) { $0 + $1.count }
            let scores = targets.map { $0.parameter.effectiveValue.scalars.map { abs($0) } }
            let kept = Int(((1 - sparsity) * Double(total)).rounded())
            let masks = MaskSelection.keepLargestGlobally(scores, count: kept)
            for (t, m) in zip(targets, masks) { t.parameter.mask = Tensor(unchecked: t.shape, m) }
        }
        return targets.sparsity
    }
}
