/// Grows CART trees (Breiman et al. 1984) with the pre-pruning rules of `TreeGrowthOptions`.
///
/// Depth-first by default, numbering nodes in pre-order as scikit-learn does; best-first (largest
/// weighted impurity decrease first) when `maxLeafNodes` is set, renumbered in pre-order afterwards.
public enum TreeGrower {
    /// Grows a tree on `data`.
    public static func grow(_ data: TabularDataset, options: TreeGrowthOptions = .init()) throws -> DecisionTree {
        try options.validate(for: data)
        var growth = Growth(data: data, options: options)
        if let maxLeaves = options.maxLeafNodes { return growth.bestFirst(maxLeaves: maxLeaves) }
        _ = growth.depthFirst(range: 0..<data.rowCount, depth: 0)
        return growth.tree
    }

    /// One growth in progress: the rows (partitioned in place as nodes split) and the tree so far.
    private struct Growth {
        let data: TabularDataset
        let options: TreeGrowthOptions
        var finder: BestSplitFinder
        var rows: [Int]
        var tree: DecisionTree
        let epsilon = Double.ulpOfOne

        init(data: TabularDataset, options: TreeGrowthOptions) {
            self.data = data; self.options = options
            let criterion = options.criterion ?? (data.target.isClassification ? .gini : .squaredError)
            finder = BestSplitFinder(data: data, impurity: criterion.classificationImpurity,
                                     minSamplesLeaf: options.minSamplesLeaf)
            rows = Array(0..<data.rowCount)
            tree = DecisionTree(classCount: data.classCount, featureNames: data.featureNames,
                                classNames: data.classNames,
                                criterion: criterion)
        }

        /// Adds the node of `range`; returns it with its statistics and impurity.
        mutating func addNode(_ range: Range<Int>) -> (node: Int, stats: [Double], impurity: Double) {
            let stats = finder.nodeStatistics(rows[range])
            let imp = finder.nodeImpurity(stats, count: range.count)
            // The node's value numbers: class counts, or the mean.
            let value = data.classCount > 0 ? stats : [stats[0] / Double(range.count)]
            return (tree.addNode(impurity: imp, samples: range.count, value: value), stats, imp)
        }

        /// The split to make at a node, or nil when a pre-pruning rule (or purity) makes it a leaf.
        mutating func chooseSplit(range: Range<Int>, depth: Int, stats: [Double], impurity: Double) -> CandidateSplit? {
            let n = range.count
            if let d = options.maxDepth, depth >= d { return nil }
            if n < options.minSamplesSplit || n < 2 * options.minSamplesLeaf || impurity <= epsilon { return nil }
            guard let split = finder.best(rows: rows[range], stats: stats, parentImpurity: impurity,
                                          totalRows: data.rowCount) else { return nil }
            if split.improvement + epsilon < options.minImpurityDecrease { return nil }
            if let alpha = options.chiSquaredSignificance {
                let right = zip(stats, split.leftClassCounts).map { $0 - $1 }
                if !ChiSquaredTest.isSignificant(left: split.leftClassCounts, right: right, alpha: alpha) { return nil }
            }
            return split
        }

        /// Moves the rows going left to the front of the range; returns the first right position.
        mutating func partition(range: Range<Int>, split: CandidateSplit) -> Int {
            let column = data.columns[split.feature]
            var i = range.lowerBound, j = range.upperBound - 1
            while i <= j {
                if Double(column[rows[i]]) <= split.threshold { i += 1 } else { rows.swapAt(i, j); j -= 1 }
            }
            return i
        }

        mutating func depthFirst(range: Range<Int>, depth: Int) -> Int {
            let (node, stats, imp) = addNode(range)
            guard let split = chooseSplit(range: range, depth: depth, stats: stats, impurity: imp) else { return node }
            let mid = partition(range: range, split: split)
            let l = depthFirst(range: range.lowerBound..<mid, depth: depth + 1)
            let r = depthFirst(range: mid..<range.upperBound, depth: depth + 1)
            tree.setSplit(node, feature: split.feature, threshold: split.threshold, left: l, right: r)
            return node
        }

        struct Frontier { var node: Int; var range: Range<Int>; var depth: Int; var split: CandidateSplit }

        mutating func bestFirst(maxLeaves: Int) -> DecisionTree {
            var frontier: [Frontier] = []
            func add(_ growth: inout Growth, range: Range<Int>, depth: Int) -> Int {
                let (node, stats, imp) = growth.addNode(range)
                if let s = growth.chooseSplit(range: range, depth: depth, stats: stats, impurity: imp) {
                    frontier.append(Frontier(node: node, range: range, depth: depth, split: s))
                }
                return node
            }
            _ = add(&self, range: 0..<data.rowCount, depth: 0)
            var leaves = 1
            while leaves < maxLeaves, !frontier.isEmpty {
                var k = 0
                for (i, f) in frontier.enumerated() where f.split.improvement > frontier[k].split.improvement { k = i }
                let f = frontier.remove(at: k)
                let mid = partition(range: f.range, split: f.split)
                let l = add(&self, range: f.range.lowerBound..<mid, depth: f.depth + 1)
                let r = add(&self, range: mid..<f.range.upperBound, depth: f.depth + 1)
                tree.setSplit(f.node, feature: f.split.feature, threshold: f.split.threshold, left: l, right: r)
                leaves += 1
            }
            return tree.collapsing([])
        }
    }
}
