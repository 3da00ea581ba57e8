/// Grows CART trees (Breiman et al. 1984) with the pre-pruning rules of `TreeGrowthOptions`.
///
/// Depth-first by default, numbering nodes in pre-order as scikit-learn does; best-first (largest
/// weighted impurity decrease first) when `maxLeafNodes` is set, renumbered in pre-order afterwards.
public enum TreeGrower {
    /// Grows a tree on `data`.
    public static func grow(_ data: TabularDataset, options: TreeGrowthOptions = .init()) throws -> DecisionTree {
        try options.validate(for: data)
        let criterion = options.criterion ?? (data.target.isClassification ? .gini : .squaredError)
        var finder = BestSplitFinder(data: data, impurity: criterion.classificationImpurity, minSamplesLeaf: options.minSamplesLeaf)
        var rows = Array(0..<data.rowCount)
        var tree = DecisionTree(classCount: data.classCount, featureNames: data.featureNames, classNames: data.classNames, criterion: criterion)
        let total = data.rowCount
        let epsilon = Double.ulpOfOne

        /// The node's value numbers (class counts or mean) and statistics.
        func nodeValue(_ stats: [Double], count: Int) -> [Double] {
            data.classCount > 0 ? stats : [stats[0] / Double(count)]
        }

        /// The split to make at a node, or nil when a pre-pruning rule (or purity) makes it a leaf.
        func chooseSplit(range: Range<Int>, depth: Int, stats: [Double], impurity: Double) -> CandidateSplit? {
            let n = range.count
            if let d = options.maxDepth, depth >= d { return nil }
            if n < options.minSamplesSplit || n < 2 * options.minSamplesLeaf || impurity <= epsilon { return nil }
            guard let split = finder.best(rows: rows[range], stats: stats, parentImpurity: impurity, totalRows: total) else { return nil }
            if split.improvement + epsilon < options.minImpurityDecrease { return nil }
            if let alpha = options.chiSquaredSignificance {
                let right = zip(stats, split.leftClassCounts).map { $0 - $1 }
                if !ChiSquaredTest.isSignificant(left: split.leftClassCounts, right: right, alpha: alpha) { return nil }
            }
            return split
        }

        /// Moves the rows going left to the front of the range; returns the first right position.
        func partition(range: Range<Int>, split: CandidateSplit) -> Int {
            let column = data.columns[split.feature]
            var i = range.lowerBound, j = range.upperBound - 1
            while i <= j {
                if Double(column[rows[i]]) <= split.threshold { i += 1 } else { rows.swapAt(i, j); j -= 1 }
            }
            return i
        }

        if let maxLeaves = options.maxLeafNodes {
            struct Frontier { var node: Int; var range: Range<Int>; var depth: Int; var split: CandidateSplit }
            var frontier: [Frontier] = []
            func add(range: Range<Int>, depth: Int) -> Int {
                let stats = finder.nodeStatistics(rows[range])
                let imp = finder.nodeImpurity(stats, count: range.count)
                let node = tree.addNode(impurity: imp, samples: range.count, value: nodeValue(stats, count: range.count))
                if let s = chooseSplit(range: range, depth: depth, stats: stats, impurity: imp) {
                    frontier.append(Frontier(node: node, range: range, depth: depth, split: s))
                }
                return node
            }
            _ = add(range: 0..<total, depth: 0)
            var leaves = 1
            while leaves < maxLeaves, !frontier.isEmpty {
                var k = 0
                for (i, f) in frontier.enumerated() where f.split.improvement > frontier[k].split.improvement { k = i }
                let f = frontier.remove(at: k)
                let mid = partition(range: f.range, split: f.split)
                let l = add(range: f.range.lowerBound..<mid, depth: f.depth + 1)
                let r = add(range: mid..<f.range.upperBound, depth: f.depth + 1)
                tree.setSplit(f.node, feature: f.split.feature, threshold: f.split.threshold, left: l, right: r)
                leaves += 1
            }
            return tree.collapsing([])
        }

        func build(range: Range<Int>, depth: Int) -> Int {
            let stats = finder.nodeStatistics(rows[range])
            let imp = finder.nodeImpurity(stats, count: range.count)
            let node = tree.addNode(impurity: imp, samples: range.count, value: nodeValue(stats, count: range.count))
            guard let split = chooseSplit(range: range, depth: depth, stats: stats, impurity: imp) else { return node }
            let mid = partition(range: range, split: split)
            let l = build(range: range.lowerBound..<mid, depth: depth + 1)
            let r = build(range: mid..<range.upperBound, depth: depth + 1)
            tree.setSplit(node, feature: split.feature, threshold: split.threshold, left: l, right: r)
            return node
        }
        _ = build(range: 0..<total, depth: 0)
        return tree
    }
}
