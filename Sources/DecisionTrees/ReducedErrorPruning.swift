/// Reduced-error pruning (Quinlan 1987, "Simplifying decision trees"): bottom-up over the internal
/// nodes, replace a subtree by a leaf predicting its training majority (or mean) whenever that does
/// not lower accuracy (raise squared error) on a separate pruning set.
///
/// A node that no pruning-set row reaches is pruned too: its removal cannot change the pruning-set
/// accuracy. One bottom-up pass reaches the fixed point, since pruning a node never changes the
/// decision already taken for a node below it.
public struct ReducedErrorPruning: TreePruner {
    public let name = "rep"
    public init() {}

    public func prune(_ tree: DecisionTree, data: PruningData) throws -> DecisionTree {
        guard let validation = data.validation, validation.rowCount > 0 else {
            throw TreeError.invalidOption("reduced-error pruning needs a non-empty validation (pruning) set")
        }
        guard validation.featureCount == data.training.featureCount,
              validation.target.isClassification == tree.isClassifier else {
            throw TreeError.invalidOption("the validation set does not have the training set's columns")
        }
        // Validation error of each node if it were a leaf, accumulated along every row's path.
        var leafError = [Double](repeating: 0, count: tree.nodeCount)
        for r in 0..<validation.rowCount {
            var i = 0
            while true {
                leafError[i] += Self.error(prediction: tree.nodePrediction(i), row: r, target: validation.target)
                if tree.isLeaf(i) { break }
                i = Double(validation.columns[tree.feature[i]][r]) <= tree.threshold[i] ? tree.left[i] : tree.right[i]
            }
        }
        var collapse = Set<Int>()
        /// Validation error of the (already pruned) subtree at `i`.
        func visit(_ i: Int) -> Double {
            if tree.isLeaf(i) { return leafError[i] }
            let subtree = visit(tree.left[i]) + visit(tree.right[i])
            if leafError[i] <= subtree { collapse.insert(i); return leafError[i] }
            return subtree
        }
        _ = visit(0)
        return tree.collapsing(collapse)
    }

    static func error(prediction: Double, row r: Int, target: TabularTarget) -> Double {
        switch target {
        case .classes(let y, _): return Int(prediction) == y[r] ? 0 : 1
        case .values(let y): return (prediction - y[r]) * (prediction - y[r])
        }
    }
}
