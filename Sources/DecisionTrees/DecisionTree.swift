/// A binary decision tree stored as parallel arrays, nodes numbered in pre-order (root 0, then the
/// whole left branch, then the right), as scikit-learn numbers them.
///
/// Internal node `i` sends a row left when `row[feature[i]] <= threshold[i]`. `value` holds, per node,
/// the training class counts (classification, `classCount` numbers) or the mean target
/// (regression, one number). CART: Breiman, Friedman, Olshen & Stone, *Classification and
/// Regression Trees*, 1984.
public struct DecisionTree: Sendable, Equatable, Codable {
    /// Left child of each node, -1 at a leaf.
    public var left: [Int]
    /// Right child of each node, -1 at a leaf.
    public var right: [Int]
    /// Split feature of each internal node, -1 at a leaf.
    public var feature: [Int]
    /// Split threshold of each internal node (unused at a leaf).
    public var threshold: [Double]
    /// Impurity of each node on its training rows.
    public var impurity: [Double]
    /// Training rows reaching each node.
    public var sampleCount: [Int]
    /// Node values, `valueWidth` numbers per node.
    public var values: [Double]
    /// Number of classes; 0 for a regression tree.
    public let classCount: Int
    /// Feature names (for rendering).
    public let featureNames: [String]
    /// Class names (for rendering; empty for regression).
    public let classNames: [String]
    /// The criterion the tree was grown with (its node impurities are in this measure).
    public let criterion: SplitCriterion

    /// Numbers per node in `values`.
    public var valueWidth: Int { max(classCount, 1) }
    /// Number of nodes.
    public var nodeCount: Int { left.count }
    /// Whether node `i` is a leaf.
    @inline(__always) public func isLeaf(_ i: Int) -> Bool { left[i] < 0 }
    /// Whether this is a classification tree.
    public var isClassifier: Bool { classCount > 0 }

    /// An empty tree, ready for `addNode`.
    public init(classCount: Int, featureNames: [String], classNames: [String], criterion: SplitCriterion) {
        left = []; right = []; feature = []; threshold = []; impurity = []; sampleCount = []; values = []
        self.criterion = criterion
        self.classCount = classCount
        self.featureNames = featureNames
        self.classNames = classNames
    }

    /// Appends a leaf and returns its index; turn it into a split with `setSplit`.
    @discardableResult
    public mutating func addNode(impurity: Double, samples: Int, value: [Double]) -> Int {
        precondition(value.count == valueWidth)
        left.append(-1); right.append(-1); feature.append(-1); threshold.append(0)
        self.impurity.append(impurity); sampleCount.append(samples); values.append(contentsOf: value)
        return left.count - 1
    }

    /// Makes node `i` an internal node.
    public mutating func setSplit(_ i: Int, feature f: Int, threshold t: Double, left l: Int, right r: Int) {
        feature[i] = f; threshold[i] = t; left[i] = l; right[i] = r
    }

    /// The value numbers of node `i`.
    public func value(_ i: Int) -> ArraySlice<Double> { values[(i * valueWidth)..<((i + 1) * valueWidth)] }

    /// The prediction at node `i`: the majority class (first on ties) or the mean.
    public func nodePrediction(_ i: Int) -> Double {
        if classCount == 0 { return values[i] }
        return Double(majorityClass(i))
    }

    /// The majority class among node `i`'s training rows (lowest index on ties).
    public func majorityClass(_ i: Int) -> Int {
        var best = 0
        var bestCount = -Double.infinity
        for k in 0..<classCount where values[i * classCount + k] > bestCount { bestCount = values[i * classCount + k]; best = k }
        return best
    }

    /// Training rows at node `i` that its majority class gets wrong.
    public func nodeErrors(_ i: Int) -> Double {
        let v = value(i)
        return v.reduce(0, +) - (v.max() ?? 0)
    }

    /// The leaf reached by a row of feature values.
    public func leaf<R: RandomAccessCollection>(for row: R) -> Int where R.Element == Float, R.Index == Int {
        var i = 0
        while left[i] >= 0 {
            i = Double(row[row.startIndex + feature[i]]) <= threshold[i] ? left[i] : right[i]
        }
        return i
    }

    /// The leaf reached by row `r` of a data set.
    public func leaf(in data: TabularDataset, row r: Int) -> Int {
        var i = 0
        while left[i] >= 0 {
            i = Double(data.columns[feature[i]][r]) <= threshold[i] ? left[i] : right[i]
        }
        return i
    }

    /// Predictions for every row: class indices (as `Double`) or regression values.
    public func predict(_ data: TabularDataset) -> [Double] {
        (0..<data.rowCount).map { nodePrediction(leaf(in: data, row: $0)) }
    }

    /// Class probabilities for every row (the class frequencies of the leaf reached).
    public func predictProbabilities(_ data: TabularDataset) -> [[Double]] {
        precondition(isClassifier, "predictProbabilities needs a classification tree")
        return (0..<data.rowCount).map { r in
            let v = Array(value(leaf(in: data, row: r)))
            let total = v.reduce(0, +)
            return v.map { total > 0 ? $0 / total : 1 / Double(classCount) }
        }
    }

    /// Accuracy (classification) or R² (regression) on a data set.
    public func score(_ data: TabularDataset) -> Double {
        let p = predict(data)
        switch data.target {
        case .classes(let y, _):
            return Double(zip(p, y).filter { Int($0.0) == $0.1 }.count) / Double(max(y.count, 1))
        case .values(let y):
            let mean = y.reduce(0, +) / Double(max(y.count, 1))
            let ssRes = zip(p, y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            let ssTot = y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            return ssTot > 0 ? 1 - ssRes / ssTot : (ssRes == 0 ? 1 : 0)
        }
    }

    /// Parent of every node (-1 for the root).
    public var parents: [Int] {
        var p = [Int](repeating: -1, count: nodeCount)
        for i in 0..<nodeCount where left[i] >= 0 { p[left[i]] = i; p[right[i]] = i }
        return p
    }

    /// Number of leaves.
    public var leafCount: Int { left.filter { $0 < 0 }.count }

    /// Depth (edges on the longest root-to-leaf path; 0 for a single leaf).
    public var depth: Int {
        guard nodeCount > 0 else { return 0 }
        var d = [Int](repeating: 0, count: nodeCount)
        var best = 0
        for i in 0..<nodeCount where left[i] >= 0 {   // pre-order: a parent comes before its children
            d[left[i]] = d[i] + 1; d[right[i]] = d[i] + 1
            best = max(best, d[i] + 1)
        }
        return best
    }

    /// The tree with the subtrees under `collapse` cut off (those nodes become leaves), renumbered in pre-order.
    public func collapsing(_ collapse: Set<Int>) -> DecisionTree {
        var out = DecisionTree(classCount: classCount, featureNames: featureNames, classNames: classNames,
                               criterion: criterion)
        func copy(_ i: Int) -> Int {
            let n = out.addNode(impurity: impurity[i], samples: sampleCount[i], value: Array(value(i)))
            if left[i] >= 0 && !collapse.contains(i) {
                let l = copy(left[i]); let r = copy(right[i])
                out.setSplit(n, feature: feature[i], threshold: threshold[i], left: l, right: r)
            }
            return n
        }
        if nodeCount > 0 { _ = copy(0) }
        return out
    }
}

/// Size of a tree, as the CLI and the benchmark report it.
public struct TreeSize: Sendable, Equatable, Codable {
    public var nodes: Int
    public var leaves: Int
    public var depth: Int
    public init(_ tree: DecisionTree) { nodes = tree.nodeCount; leaves = tree.leafCount; depth = tree.depth }
}

extension DecisionTree {
    /// Checks a tree read from a file: consistent array lengths, children after their parent,
    /// features in range, finite thresholds. The error names the first bad node.
    public func validate(featureCount: Int? = nil) throws {
        let n = left.count
        guard n > 0 else { throw TreeError.invalidOption("tree has no nodes") }
        guard classCount >= 0, classCount <= 1 << 20 else {
            throw TreeError.invalidOption("tree has \(classCount) classes (at most 2^20)")
        }
        guard sampleCount.allSatisfy({ $0 >= 0 }), sampleCount.first.map({ $0 > 0 }) ?? false else {
            throw TreeError.invalidOption("tree has negative sample counts or an empty root")
        }
        guard right.count == n, feature.count == n, threshold.count == n, impurity.count == n, sampleCount.count == n,
              values.count == n * valueWidth else {
            throw TreeError.invalidOption("tree arrays have different lengths (\(n) nodes)")
        }
        guard featureNames.count == featureNames.count, classNames.count == classCount else {
            throw TreeError.invalidOption("tree has \(classCount) classes but \(classNames.count) class names")
        }
        if let f = featureCount, f != featureNames.count {
            throw TreeError.invalidOption("tree uses \(featureNames.count) features, the data has \(f)")
        }
        var seen = [Bool](repeating: false, count: n)
        for i in 0..<n {
            if (left[i] < 0) != (right[i] < 0) { throw TreeError.invalidOption("node \(i) has only one child") }
            guard left[i] >= 0 else { continue }
            for c in [left[i], right[i]] {
                guard c > i, c < n, !seen[c] else { throw TreeError.invalidOption("node \(i) has an invalid child \(c)") }
                seen[c] = true
            }
            guard feature[i] >= 0, feature[i] < featureNames.count else { throw TreeError.invalidOption("node \(i) splits on unknown feature \(feature[i])") }
            guard threshold[i].isFinite else { throw TreeError.invalidOption("node \(i) has a non-finite threshold") }
        }
        if let bad = (1..<n).first(where: { !seen[$0] }) { throw TreeError.invalidOption("node \(bad) is not reachable from the root") }
        if let bad = impurity.firstIndex(where: { !$0.isFinite }) { throw TreeError.invalidOption("node \(bad) has a non-finite impurity") }
        if let bad = values.firstIndex(where: { !$0.isFinite }) { throw TreeError.invalidOption("node \(bad / valueWidth) has a non-finite value") }
    }
}
