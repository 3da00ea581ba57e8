import Foundation

/// An impurity measure of a node's class counts, to be minimised by classification splits.
///
/// `proxy(...)` ranks candidate splits: larger is better, and it orders splits exactly as the
/// decrease in weighted child impurity does (it is −n_L·i_L − n_R·i_R, as scikit-learn computes it).
public protocol ClassificationImpurity: Sendable {
    /// Impurity of a node with the given class counts (summing to `total`).
    func impurity(_ counts: UnsafeBufferPointer<Double>, total: Double) -> Double
}

extension ClassificationImpurity {
    /// Split ranking value: −n_L·i(L) − n_R·i(R).
    @inline(__always)
    func proxy(left: UnsafeBufferPointer<Double>, nLeft: Double, right: UnsafeBufferPointer<Double>,
               nRight: Double) -> Double {
        -nRight * impurity(right, total: nRight) - nLeft * impurity(left, total: nLeft)
    }
}

/// Gini impurity 1 − Σ p_k² (Breiman et al. 1984).
public struct GiniImpurity: ClassificationImpurity {
    public init() {}
    @inline(__always)
    public func impurity(_ counts: UnsafeBufferPointer<Double>, total: Double) -> Double {
        var sq = 0.0
        for c in counts { sq += c * c }
        return 1.0 - sq / (total * total)
    }
}

/// Entropy −Σ p_k log₂ p_k (Quinlan, ID3 1986 / C4.5 1993).
public struct EntropyImpurity: ClassificationImpurity {
    public init() {}
    @inline(__always)
    public func impurity(_ counts: UnsafeBufferPointer<Double>, total: Double) -> Double {
        var e = 0.0
        for c in counts where c > 0 {
            let p = c / total
            e -= p * (Foundation.log(p) / Foundation.log(2.0))
        }
        return e
    }
}

/// The split criterion of a tree, by name.
public enum SplitCriterion: String, Sendable, CaseIterable, Codable {
    case gini, entropy
    /// Mean squared error (regression trees).
    case squaredError = "squared-error"

    /// The impurity for classification criteria (nil for `squaredError`).
    public var classificationImpurity: (any ClassificationImpurity)? {
        switch self {
        case .gini: return GiniImpurity()
        case .entropy: return EntropyImpurity()
        case .squaredError: return nil
        }
    }
}
