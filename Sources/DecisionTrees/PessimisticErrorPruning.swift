/// Pessimistic error pruning (Quinlan 1987): with the continuity correction ½ per leaf,
/// e′(T) = errors(T) + |leaves(T)|/2 and SE = √(e′(T)·(n − e′(T))/n); a subtree is replaced by a
/// leaf when errors(leaf) + ½ ≤ e′(T) + SE. Top-down, on training counts only. Classification only.
public struct PessimisticErrorPruning: TreePruner {
    public let name = "pep"
    public init() {}

    public func prune(_ tree: DecisionTree, data: PruningData) throws -> DecisionTree {
        guard tree.isClassifier else { throw TreeError.unsupported("pessimistic error pruning is defined for classification trees only") }
        // Training errors and leaf counts of every subtree, children before parents.
        var errors = [Double](repeating: 0, count: tree.nodeCount)
        var leaves = [Int](repeating: 0, count: tree.nodeCount)
        for i in stride(from: tree.nodeCount - 1, through: 0, by: -1) {
            if tree.isLeaf(i) { errors[i] = tree.nodeErrors(i); leaves[i] = 1 }
            else { errors[i] = errors[tree.left[i]] + errors[tree.right[i]]; leaves[i] = leaves[tree.left[i]] + leaves[tree.right[i]] }
        }
        var collapse = Set<Int>()
        var stack = [0]
        while let i = stack.popLast() {
            guard !tree.isLeaf(i) else { continue }
            let n = Double(tree.sampleCount[i])
            let corrected = errors[i] + Double(leaves[i]) / 2
            let se = (max(corrected * (n - corrected), 0) / n).squareRoot()
            if tree.nodeErrors(i) + 0.5 <= corrected + se {
                collapse.insert(i)
            } else {
                stack.append(tree.right[i]); stack.append(tree.left[i])
            }
        }
        return tree.collapsing(collapse)
    }
}
