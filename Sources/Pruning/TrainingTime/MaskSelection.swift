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

    /// The indices of the `count` largest scores (NaN ranks lowest).
    public static func largestIndices(_ scores: [Float], count: Int) -> [Int] {
        let k = max(0, min(count, scores.count))
        guard k > 0 else { return [] }
        let key = { (i: Int) -> Float in scores[i].isNaN ? -.infinity : scores[i] }
        let order = scores.indices.sorted { key($0) > key($1) || (key($0) == key($1) && $0 < $1) }
        return Array(order.prefix(k))
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
