import PruneTensor

/// Masks that keep the highest-scoring weights: exactly `count` ones, ties broken toward the lower
/// index so the same scores always give the same mask.
public enum MaskSelection {
    /// A mask over `scores` keeping the `count` largest.
    public static func keepLargest(_ scores: [Float], count: Int) -> [Float] {
        var mask = [Float](repeating: 0, count: scores.count)
        for i in largestIndices(scores, count: count) { mask[i] = 1 }
        return mask
    }

    /// The indices of the `count` largest scores (NaN ranks lowest), ties toward the lower index; in
    /// index order. A selection in O(n) on average, not a sort.
    public static func largestIndices(_ scores: [Float], count: Int) -> [Int] {
        let k = max(0, min(count, scores.count))
        guard k > 0 else { return [] }
        let keys = scores.map { $0.isNaN ? -Float.infinity : $0 }
        guard k < keys.count else { return Array(keys.indices) }
        let threshold = kthLargest(keys, k)
        var above = keys.indices.filter { keys[$0] > threshold }
        var ties = k - above.count
        for i in keys.indices where ties > 0 && keys[i] == threshold { above.append(i); ties -= 1 }
        return above.sorted()
    }

    /// The k-th largest value (1-based) by quickselect with a deterministic middle pivot.
    static func kthLargest(_ values: [Float], _ k: Int) -> Float {
        var v = values, lo = 0, hi = v.count - 1, target = k - 1
        while lo < hi {
            let pivot = v[(lo + hi) / 2]
            var i = lo, j = hi
            while i <= j {
                while v[i] > pivot { i += 1 }
                while v[j] < pivot { j -= 1 }
                if i <= j { v.swapAt(i, j); i += 1; j -= 1 }
            }
            if target <= j { hi = j } else if target >= i { lo = i } else { return v[target] }
        }
        return v[target]
    }

    /// Masks over several score lists keeping the `count` largest scores of all of them together
    /// (one global threshold).
    public static func keepLargestGlobally(_ scores: [[Float]], count: Int) -> [[Float]] {
        let flat = scores.flatMap { $0 }
        let kept = keepLargest(flat, count: count)
        var masks: [[Float]] = [], start = 0
        for s in scores { masks.append(Array(kept[start..<(start + s.count)])); start += s.count }
        return masks
    }

    /// Per-list masks keeping round(density·count) of each list's largest scores, at least one.
    public static func keepLargest(_ scores: [[Float]], densities: [Double]) -> [[Float]] {
        zip(scores, densities).map { s, d in keepLargest(s, count: keptCount(s.count, density: d)) }
    }

    /// round(density·count), at least 1 when count > 0.
    public static func keptCount(_ count: Int, density: Double) -> Int {
        count == 0 ? 0 : min(count, max(1, Int((density * Double(count)).rounded())))
    }
}

extension Array where Element == PruningTarget {
    /// The fraction of these weights their masks prune (0 without masks).
    public var sparsity: Double {
        let total = reduce(0) { $0 + $1.count }
        let pruned = reduce(0) { $0 + $1.maskScalars.filter { $0 == 0 }.count }
        return Double(pruned) / Double(Swift.max(total, 1))
    }
}
