/// Weight sharing by k-means (Han, Mao & Dally, "Deep Compression", ICLR 2016, section 3): the
/// non-zero weights of a layer are clustered into 2^bits centroids with linear initialization
/// (evenly spaced between the smallest and largest weight, the initialization the paper found
/// best) and Lloyd iterations; each weight is then stored as the index of its centroid.
public struct WeightSharing: Sendable {
    public var bits: Int
    public var iterations: Int

    public init(bits: Int = 5, iterations: Int = 30) {
        self.bits = bits; self.iterations = iterations
    }

    /// Centroids (sorted) and the centroid index of each value.
    public func cluster(_ values: [Float]) -> (centroids: [Float], assignment: [Int]) {
        guard let lo = values.min(), let hi = values.max() else { return ([], []) }
        let k = Swift.min(1 << bits, Swift.max(values.count, 1))
        var centroids = (0..<k).map { k == 1 ? (lo + hi) / 2 : lo + (hi - lo) * Float($0) / Float(k - 1) }
        let sorted = values.enumerated().sorted { $0.element < $1.element }
        var assignment = [Int](repeating: 0, count: values.count)
        for _ in 0..<Swift.max(iterations, 1) {
            // Values and centroids are both sorted: one merge pass assigns every value to its nearest centroid.
            var c = 0
            var sums = [Double](repeating: 0, count: k), counts = [Int](repeating: 0, count: k)
            for (i, v) in sorted {
                while c + 1 < k && Swift.abs(centroids[c + 1] - v) <= Swift.abs(centroids[c] - v) { c += 1 }
                assignment[i] = c
                sums[c] += Double(v); counts[c] += 1
            }
            var moved = false
            for j in 0..<k where counts[j] > 0 {
                let m = Float(sums[j] / Double(counts[j]))
                if m != centroids[j] { centroids[j] = m; moved = true }
            }
            // Keep the centroids sorted (an empty cluster keeps its place).
            if !moved { break }
            if zip(centroids, centroids.dropFirst()).contains(where: { $0 > $1 }) {
                let order = centroids.indices.sorted { centroids[$0] < centroids[$1] }
                centroids = order.map { centroids[$0] }
            }
        }
        // Final assignment with the final centroids.
        var c = 0
        for (i, v) in sorted {
            while c + 1 < k && Swift.abs(centroids[c + 1] - v) <= Swift.abs(centroids[c] - v) { c += 1 }
            assignment[i] = c
        }
        return (centroids, assignment)
    }
}
