/// A decision-tree node as a linked object, for the pruning methods that restructure a tree
/// (subtree raising) rather than only cutting it.
final class EditableNode {
    var feature: Int
    var threshold: Double
    var left: EditableNode?
    var right: EditableNode?
    var counts: [Double]
    var impurity: Double
    var samples: Int

    var isLeaf: Bool { left == nil }

    /// The subtree of `tree` at node `i`.
    init(_ tree: DecisionTree, _ i: Int) {
        feature = tree.feature[i]; threshold = tree.threshold[i]
        counts = Array(tree.value(i)); impurity = tree.impurity[i]; samples = tree.sampleCount[i]
        if !tree.isLeaf(i) { left = EditableNode(tree, tree.left[i]); right = EditableNode(tree, tree.right[i]) }
    }

    /// The class this node predicts.
    var prediction: Int { Self.majority(counts, fallback: 0) }

    /// The majority class (lowest index on ties); `fallback` when there are no rows.
    static func majority(_ counts: [Double], fallback: Int) -> Int {
        guard counts.contains(where: { $0 > 0 }) else { return fallback }
        var best = 0
        for k in counts.indices where counts[k] > counts[best] { best = k }
        return best
    }

    /// Replaces the training statistics. A node that no row reaches any more (after subtree raising)
    /// keeps its earlier statistics, so it keeps predicting the class it predicted.
    func setCounts(_ c: [Double], criterion: SplitCriterion) {
        let n = Int(c.reduce(0, +))
        guard n > 0 else { return }
        samples = n
        counts = c
        let impurityMeasure = criterion.classificationImpurity ?? GiniImpurity()
        impurity = c.withUnsafeBufferPointer { impurityMeasure.impurity($0, total: Double(samples)) }
    }

    func makeLeaf() { left = nil; right = nil; feature = -1; threshold = 0 }

    /// Takes over another node's split and children (subtree raising).
    func replace(with other: EditableNode) {
        feature = other.feature; threshold = other.threshold; left = other.left; right = other.right
    }

    /// Back to the array form, in pre-order.
    func flattened(like tree: DecisionTree) -> DecisionTree {
        var out = DecisionTree(classCount: tree.classCount, featureNames: tree.featureNames,
                               classNames: tree.classNames,
                               criterion: tree.criterion)
        func add(_ n: EditableNode) -> Int {
            let i = out.addNode(impurity: n.impurity, samples: n.samples, value: n.counts)
            if let l = n.left, let r = n.right {
                let li = add(l), ri = add(r)
                out.setSplit(i, feature: n.feature, threshold: n.threshold, left: li, right: ri)
            }
            return i
        }
        _ = add(self)
        return out
    }
}
