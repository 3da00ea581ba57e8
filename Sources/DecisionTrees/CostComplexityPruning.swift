/// One step of the cost-complexity (weakest-link) pruning path.
public struct CostComplexityStep: Sendable, Equatable, Codable {
    /// The effective alpha at which this subtree becomes optimal.
    public var alpha: Double
    /// Total leaf impurity R(T) = Σ_leaves (n_t/n)·impurity(t) of the subtree.
    public var impurity: Double
    /// Leaves of the subtree.
    public var leaves: Int
}

/// Minimal cost-complexity pruning (Breiman, Friedman, Olshen & Stone 1984, ch. 3), computed as
/// scikit-learn computes it: R(t) = (n_t/n)·impurity(t), R(T_t) the sum over the leaves of the branch
/// at t, α_eff(t) = (R(t) − R(T_t)) / (|leaves(T_t)| − 1); the internal node with the smallest α_eff
/// (the first in node order on ties) is pruned, again and again until the root is a leaf.
public struct CostComplexityPruning: TreePruner {
    public let name = "ccp"
    /// Prune every node whose effective alpha is at most this.
    public var alpha: Double

    public init(alpha: Double) { self.alpha = alpha }

    public func prune(_ tree: DecisionTree, data: PruningData) throws -> DecisionTree {
        guard alpha >= 0, alpha.isFinite else { throw TreeError.invalidOption("ccp alpha must be a finite number ≥ 0, got \(alpha)") }
        return Self.pruned(tree, schedule: Self.schedule(tree), alpha: alpha)
    }

    /// The weakest-link schedule of a tree: the path, and for every node the path step at which it
    /// becomes a leaf (`Int.max` for the leaves of the full tree).
    public struct Schedule: Sendable {
        public var path: [CostComplexityStep]
        public var collapseStep: [Int]
        /// The last step whose alpha is within `alpha` (steps stop at the first alpha above it).
        public func lastStep(within alpha: Double) -> Int {
            var k = 0
            while k + 1 < path.count && !(alpha < path[k + 1].alpha) { k += 1 }
            return k
        }
    }

    /// Computes the schedule.
    public static func schedule(_ tree: DecisionTree) -> Schedule {
        let r = run(tree)
        return Schedule(path: r.path, collapseStep: r.collapseStep)
    }

    /// The subtree of the path at `alpha`.
    public static func pruned(_ tree: DecisionTree, schedule: Schedule, alpha: Double) -> DecisionTree {
        pruned(tree, schedule: schedule, step: schedule.lastStep(within: alpha))
    }

    /// The subtree after `step` weakest-link prunes.
    public static func pruned(_ tree: DecisionTree, schedule: Schedule, step: Int) -> DecisionTree {
        tree.collapsing(Set(schedule.collapseStep.indices.filter { schedule.collapseStep[$0] <= step }))
    }

    /// Predictions of every subtree of the path at once: for row r and step k, the prediction of the
    /// subtree after k prunes, `result[k][r]`. Costs one root-to-leaf walk per row and step.
    public static func pathPredictions(_ tree: DecisionTree, schedule: Schedule, data: TabularDataset) -> [[Double]] {
        let steps = schedule.path.count
        var out = [[Double]](repeating: [Double](repeating: 0, count: data.rowCount), count: steps)
        for r in 0..<data.rowCount {
            var nodes: [Int] = []
            var i = 0
            nodes.append(0)
            while !tree.isLeaf(i) {
                i = Double(data.columns[tree.feature[i]][r]) <= tree.threshold[i] ? tree.left[i] : tree.right[i]
                nodes.append(i)
            }
            // For step k the row stops at the first node on its path collapsed by step k.
            for k in 0..<steps {
                var stop = nodes.last!
                for n in nodes where schedule.collapseStep[n] <= k { stop = n; break }
                out[k][r] = tree.nodePrediction(stop)
            }
        }
        return out
    }

    /// The full path: (0, R(T_max)) first, then one step per weakest-link prune, ending with the root alone.
    public static func path(_ tree: DecisionTree) -> [CostComplexityStep] {
        run(tree).path
    }

    /// The nested subtrees of the path, one per step (the first is `tree` itself).
    public static func subtrees(_ tree: DecisionTree) -> [(step: CostComplexityStep, tree: DecisionTree)] {
        let s = schedule(tree)
        return s.path.indices.map { (s.path[$0], pruned(tree, schedule: s, step: $0)) }
    }

    static func run(_ tree: DecisionTree) -> (path: [CostComplexityStep], collapseStep: [Int]) {
        let n = tree.nodeCount
        let parent = tree.parents
        let total = Double(tree.sampleCount[0])
        var rNode = [Double](repeating: 0, count: n)
        var rBranch = [Double](repeating: 0, count: n)
        var leaves = [Int](repeating: 0, count: n)
        var candidate = [Bool](repeating: false, count: n)
        for i in 0..<n { rNode[i] = Double(tree.sampleCount[i]) * tree.impurity[i] / total }
        // Children come after parents in pre-order, so a reverse sweep accumulates leaves upward.
        for i in stride(from: n - 1, through: 0, by: -1) {
            if tree.isLeaf(i) {
                leaves[i] = 1; rBranch[i] = rNode[i]
            } else {
                candidate[i] = true
            }
            if parent[i] >= 0 { leaves[parent[i]] += leaves[i]; rBranch[parent[i]] += rBranch[i] }
        }
        var collapseStep = [Int](repeating: Int.max, count: n)
        var path = [CostComplexityStep(alpha: 0, impurity: rBranch[0], leaves: leaves[0])]
        while candidate[0] {
            // A NaN alpha (impurities that overflowed) counts as +∞, so some node is always pruned.
            var best = -1
            var effective = Double.infinity
            for i in 0..<n where candidate[i] {
                var a = (rNode[i] - rBranch[i]) / Double(leaves[i] - 1)
                if a.isNaN { a = .infinity }
                if best < 0 || a < effective { effective = a; best = i }
            }
            // Every internal node below `best` stops being a candidate.
            var stack = [best]
            while let i = stack.popLast() {
                candidate[i] = false
                if !tree.isLeaf(i) { stack.append(tree.left[i]); stack.append(tree.right[i]) }
            }
            collapseStep[best] = path.count
            let removedLeaves = leaves[best] - 1
            let diff = rNode[best] - rBranch[best]
            leaves[best] = 1
            rBranch[best] = rNode[best]
            var a = parent[best]
            while a >= 0 { leaves[a] -= removedLeaves; rBranch[a] += diff; a = parent[a] }
            path.append(CostComplexityStep(alpha: effective, impurity: rBranch[0], leaves: leaves[0]))
        }
        return (path, collapseStep)
    }
}
