import PrunePruning

/// What a one-shot method removes from each Linear weight `[out, in]`: a fraction of its weights
/// (how they are compared depends on the method), or N of every M consecutive inputs per row.
public enum OneShotSparsity: Sendable, Equatable, CustomStringConvertible {
    case unstructured(Double)
    case nOfM(n: Int, m: Int)

    /// From a pattern and a sparsity: `unstructured` needs the sparsity; `N:M` fixes it.
    public init(pattern: SparsityPattern, sparsity: Double?) throws {
        switch pattern {
        case .unstructured:
            guard let s = sparsity else { throw PruningError.invalidOption("unstructured one-shot pruning needs a sparsity (--sparsity 0.5)") }
            guard s >= 0, s < 1, s.isFinite else { throw PruningError.impossibleTarget("sparsity \(s) must be in [0, 1)") }
            self = .unstructured(s)
        case .nOfM(let n, let m):
            self = .nOfM(n: n, m: m)
        default:
            throw PruningError.invalidOption("one-shot methods support unstructured and N:M sparsity, not \(pattern)")
        }
    }

    /// The fraction of weights removed.
    public var fraction: Double {
        switch self {
        case .unstructured(let s): return s
        case .nOfM(let n, let m): return 1 - Double(n) / Double(m)
        }
    }

    public var description: String {
        switch self {
        case .unstructured(let s): return "\(Int((s * 100).rounded()))% unstructured"
        case .nOfM(let n, let m): return "\(n):\(m)"
        }
    }

    /// Checks that a weight with `columns` inputs can carry the pattern.
    func validate(columns: Int, layer: String) throws {
        if case .nOfM(_, let m) = self, columns % m != 0 {
            throw PruningError.incompatible(layer: layer, reason: "\(columns) inputs are not a multiple of M = \(m)")
        }
    }
}
