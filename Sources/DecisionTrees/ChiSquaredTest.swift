import Foundation

/// Pearson's chi-squared test of independence on a 2 × K contingency table (branch × class), used
/// as a pre-pruning rule (Quinlan 1986, "Induction of decision trees"): a split whose branches do not
/// differ significantly in class distribution is not made.
public enum ChiSquaredTest {
    /// The statistic Σ (O − E)² / E and its degrees of freedom, over the classes present.
    public static func statistic(left: [Double], right: [Double]) -> (chi2: Double, dof: Int) {
        let nL = left.reduce(0, +), nR = right.reduce(0, +), n = nL + nR
        var chi2 = 0.0, present = 0
        for k in left.indices {
            let col = left[k] + right[k]
            guard col > 0 else { continue }
            present += 1
            let eL = nL * col / n, eR = nR * col / n
            if eL > 0 { chi2 += (left[k] - eL) * (left[k] - eL) / eL }
            if eR > 0 { chi2 += (right[k] - eR) * (right[k] - eR) / eR }
        }
        return (chi2, max(present - 1, 0))
    }

    /// P(X ≥ x) for X chi-squared with `dof` degrees of freedom.
    public static func pValue(_ x: Double, dof: Int) -> Double {
        guard dof > 0 else { return 1 }
        guard x > 0 else { return 1 }
        return IncompleteGamma.upperRegularized(a: Double(dof) / 2, x: x / 2)
    }

    /// Whether a split with these branch class counts is significant at level `alpha`.
    public static func isSignificant(left: [Double], right: [Double], alpha: Double) -> Bool {
        let (chi2, dof) = statistic(left: left, right: right)
        return pValue(chi2, dof: dof) <= alpha
    }
}

/// The regularised incomplete gamma functions P(a, x) and Q(a, x) = 1 − P(a, x): the power series
/// below x < a + 1, Legendre's continued fraction (evaluated by the modified Lentz method) above.
enum IncompleteGamma {
    static func upperRegularized(a: Double, x: Double) -> Double {
        if x <= 0 { return 1 }
        if x < a + 1 { return 1 - series(a: a, x: x) }
        return continuedFraction(a: a, x: x)
    }

    private static func prefactor(a: Double, x: Double) -> Double {
        exp(-x + a * log(x) - lgamma(a))
    }

    private static func series(a: Double, x: Double) -> Double {
        var term = 1 / a, sum = term, ap = a
        for _ in 0..<10_000 {
            ap += 1
            term *= x / ap
            sum += term
            if abs(term) < abs(sum) * 1e-15 { break }
        }
        return sum * prefactor(a: a, x: x)
    }

    private static func continuedFraction(a: Double, x: Double) -> Double {
        let tiny = 1e-300
        var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
        for i in 1..<10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b; if abs(d) < tiny { d = tiny }
            c = b + an / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return h * prefactor(a: a, x: x)
    }
}
