/// A candidate split of a node's rows.
struct CandidateSplit {
    var feature: Int
    var threshold: Double
    /// Rows going left.
    var leftCount: Int
    /// Weighted impurity decrease (n_t/n)·(i(t) − n_L/n_t·i(L) − n_R/n_t·i(R)).
    var improvement: Double
    var leftImpurity: Double
    var rightImpurity: Double
    /// Class counts of the left branch (classification only).
    var leftClassCounts: [Double]
}

/// Finds the best split of a node exhaustively, as CART and scikit-learn's `BestSplitter` do:
/// for each feature, sort the rows, try thresholds at midpoints between consecutive values that
/// differ by more than 1e-7, keep the split with the largest impurity decrease (the first found on
/// ties, features visited in column order).
struct BestSplitFinder {
    let data: TabularDataset
    let classes: [Int32]
    let targets: [Double]
    let classCount: Int
    let impurity: (any ClassificationImpurity)?
    let minSamplesLeaf: Int
    /// Sort keys: order-preserving float bits in the high half, the row in the low half.
    private var keys: [UInt64] = []
    private var leftCounts: [Double]
    private var rightCounts: [Double]

    init(data: TabularDataset, impurity: (any ClassificationImpurity)?, minSamplesLeaf: Int) {
        self.data = data
        self.impurity = impurity
        self.minSamplesLeaf = minSamplesLeaf
        switch data.target {
        case .classes(let c, let names): classes = c.map { Int32($0) }; targets = []; classCount = names.count
        case .values(let v): classes = []; targets = v; classCount = 0
        }
        leftCounts = [Double](repeating: 0, count: max(classCount, 1))
        rightCounts = leftCounts
    }

    /// Order-preserving map of a float to unsigned bits.
    @inline(__always) static func sortableBits(_ v: Float) -> UInt32 {
        let b = (v == 0 ? Float(0) : v).bitPattern   // -0 sorts with +0
        return b & 0x8000_0000 != 0 ? ~b : b | 0x8000_0000
    }
    @inline(__always) static func value(ofBits u: UInt32) -> Float {
        Float(bitPattern: u & 0x8000_0000 != 0 ? u & 0x7FFF_FFFF : ~u)
    }

    /// Node statistics: class counts (or [Σy, Σy²]) of the rows.
    func nodeStatistics(_ rows: ArraySlice<Int>) -> [Double] {
        if classCount > 0 {
            var c = [Double](repeating: 0, count: classCount)
            for r in rows { c[Int(classes[r])] += 1 }
            return c
        }
        var s = 0.0, sq = 0.0
        for r in rows { s += targets[r]; sq += targets[r] * targets[r] }
        return [s, sq]
    }

    /// Impurity of a node from its statistics.
    func nodeImpurity(_ stats: [Double], count: Int) -> Double {
        if let impurity {
            return stats.withUnsafeBufferPointer { impurity.impurity($0, total: Double(count)) }
        }
        let n = Double(count)
        let mean = stats[0] / n
        return stats[1] / n - mean * mean
    }

    /// The best split of `rows` (nil when no feature can split them).
    mutating func best(rows: ArraySlice<Int>, stats: [Double], parentImpurity: Double,
                       totalRows: Int) -> CandidateSplit? {
        let n = rows.count
        let nD = Double(n)
        var bestProxy = -Double.infinity
        var best: CandidateSplit?
        var bestPos = 0
        if keys.count < n { keys = [UInt64](repeating: 0, count: n) }
        for f in 0..<data.featureCount {
            let column = data.columns[f]
            var k = 0
            for r in rows { keys[k] = UInt64(Self.sortableBits(column[r])) << 32 | UInt64(r); k += 1 }
            keys[0..<n].sort()
            let first = Double(Self.value(ofBits: UInt32(keys[0] >> 32)))
            let last = Double(Self.value(ofBits: UInt32(keys[n - 1] >> 32)))
            if last <= first + 1e-7 { continue }   // constant feature
            for c in leftCounts.indices { leftCounts[c] = 0 }
            var sumLeft = 0.0
            var previous = first
            for p in 1..<n {
                let moved = Int(keys[p - 1] & 0xFFFF_FFFF)
                if classCount > 0 { leftCounts[Int(classes[moved])] += 1 } else { sumLeft += targets[moved] }
                let current = Double(Self.value(ofBits: UInt32(keys[p] >> 32)))
                defer { previous = current }
                if current <= previous + 1e-7 { continue }
                if p < minSamplesLeaf || n - p < minSamplesLeaf { continue }
                let nL = Double(p), nR = nD - nL
                let proxy: Double
                if let impurity {
                    for c in 0..<classCount { rightCounts[c] = stats[c] - leftCounts[c] }
                    proxy = leftCounts.withUnsafeBufferPointer { l in rightCounts.withUnsafeBufferPointer { r in
                        impurity.proxy(left: l, nLeft: nL, right: r, nRight: nR) } }
                } else {
                    let sumRight = stats[0] - sumLeft
                    proxy = sumLeft * sumLeft / nL + sumRight * sumRight / nR
                }
                if proxy > bestProxy {
                    bestProxy = proxy
                    var threshold = previous / 2.0 + current / 2.0
                    if threshold == current || !threshold.isFinite { threshold = previous }
                    best = CandidateSplit(feature: f, threshold: threshold, leftCount: p, improvement: 0,
                                          leftImpurity: 0, rightImpurity: 0, leftClassCounts: classCount > 0 ? leftCounts : [])
                    bestPos = p
                }
            }
        }
        guard var split = best else { return nil }
        // Exact child impurities and the weighted decrease, from the rows on each side.
        let column = data.columns[split.feature]
        let leftRows = rows.filter { Double(column[$0]) <= split.threshold }
        let rightRows = rows.filter { Double(column[$0]) > split.threshold }
        precondition(leftRows.count == bestPos, "split bookkeeping")
        let ls = nodeStatistics(leftRows[...]), rs = nodeStatistics(rightRows[...])
        split.leftImpurity = nodeImpurity(ls, count: leftRows.count)
        split.rightImpurity = nodeImpurity(rs, count: rightRows.count)
        let nL = Double(leftRows.count), nR = Double(rightRows.count)
        split.improvement = nD / Double(totalRows) * (parentImpurity - nR / nD * split.rightImpurity - nL / nD * split.leftImpurity)
        return split
    }
}
