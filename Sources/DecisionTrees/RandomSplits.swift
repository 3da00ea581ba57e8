/// SplitMix64 (Steele, Lea & Flood 2014): the seeded generator behind every random choice here.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Seeded row splits: k folds (stratified by class for classification) and train/holdout splits.
public enum RandomSplits {
    /// `k` disjoint folds covering every row; with a classification target each class is dealt
    /// round-robin over the folds after a seeded shuffle, so every fold has the class proportions.
    public static func folds(_ data: TabularDataset, k: Int, seed: UInt64) throws -> [[Int]] {
        guard k >= 2 else { throw TreeError.invalidOption("cross-validation needs at least 2 folds, got \(k)") }
        guard data.rowCount >= k else { throw TreeError.invalidOption("\(k) folds need at least \(k) rows, the data has \(data.rowCount)") }
        var rng = SplitMix64(seed: seed)
        var order = Array(0..<data.rowCount)
        order.shuffle(using: &rng)
        var folds = [[Int]](repeating: [], count: k)
        if case .classes(let y, let names) = data.target {
            var byClass = [[Int]](repeating: [], count: names.count)
            for r in order { byClass[y[r]].append(r) }
            for (i, r) in byClass.joined().enumerated() { folds[i % k].append(r) }
        } else {
            for (i, r) in order.enumerated() { folds[i % k].append(r) }
        }
        return folds.map { $0.sorted() }
    }

    /// The rows outside `held` and the rows in it, as two data sets (one fold of a cross-validation).
    public static func trainTest(_ data: TabularDataset, held: [Int]) -> (train: TabularDataset, test: TabularDataset) {
        let heldSet = Set(held)
        return (data.subset((0..<data.rowCount).filter { !heldSet.contains($0) }), data.subset(held))
    }

    /// A seeded split into (kept, held out), holding out `fraction` of the rows (stratified by class).
    public static func holdout(_ data: TabularDataset, fraction: Double, seed: UInt64) throws -> (kept: [Int],
            heldOut: [Int]) {
        guard fraction > 0, fraction < 1 else { throw TreeError.invalidOption("a held-out fraction must be in (0, 1), got \(fraction)") }
        var rng = SplitMix64(seed: seed)
        var order = Array(0..<data.rowCount)
        order.shuffle(using: &rng)
        var groups: [[Int]]
        if case .classes(let y, let names) = data.target {
            groups = [[Int]](repeating: [], count: names.count)
            for r in order { groups[y[r]].append(r) }
        } else {
            groups = [order]
        }
        var kept: [Int] = [], held: [Int] = []
        for g in groups {
            let h = Int((Double(g.count) * fraction).rounded())
            held += g.prefix(h); kept += g.dropFirst(h)
        }
        guard !kept.isEmpty, !held.isEmpty else {
            throw TreeError.invalidOption("holding out \(fraction) of \(data.rowCount) rows leaves one side empty")
        }
        return (kept.sorted(), held.sorted())
    }
}
