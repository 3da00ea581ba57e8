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

/// Selection helpers shared by the one-shot methods.
enum LowestSelection {
    /// Indices of the `k` lowest of `scores` (ties broken by position), as a removal mask.
    static func lowest(_ scores: ArraySlice<Double>, count k: Int) -> [Bool] {
        var remove = [Bool](repeating: false, count: scores.count)
        guard k > 0 else { return remove }
        if k >= scores.count { return [Bool](repeating: true, count: scores.count) }
        // Sort (score, position) pairs: ties go to the earlier position.
        var pairs = [(Double, Int)]()
        pairs.reserveCapacity(scores.count)
        for (offset, v) in scores.enumerated() { pairs.append((v, offset)) }
        pairs.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        for j in 0..<k { remove[pairs[j].1] = true }
        return remove
    }

    /// Removal mask for `[rows, cols]` scores: per row, the lowest fraction (unstructured), or in
    /// each run of M columns the M − N lowest (N:M).
    static func perRow(_ scores: [Double], rows: Int, cols: Int, sparsity: OneShotSparsity) -> [Bool] {
        var remove = [Bool](repeating: false, count: rows * cols)
        for r in 0..<rows {
            switch sparsity {
            case .unstructured(let s):
                let k = Int((s * Double(cols)).rounded())
                let row = lowest(scores[(r * cols)..<((r + 1) * cols)], count: k)
                for c in 0..<cols where row[c] { remove[r * cols + c] = true }
            case .nOfM(let n, let m):
                for g in stride(from: 0, to: cols, by: m) {
                    let lo = r * cols + g
                    let group = lowest(scores[lo..<(lo + m)], count: m - n)
                    for j in 0..<m where group[j] { remove[lo + j] = true }
                }
            }
        }
        return remove
    }
}
