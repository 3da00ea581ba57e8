import Foundation

/// C4.5's error-based pruning with subtree raising (Quinlan 1993, *C4.5: Programs for Machine
/// Learning*, ch. 4). A node's predicted errors are its training errors E plus `extraErrors(n, E)`, the
/// upper confidence limit at confidence factor CF; bottom-up, each internal node is replaced by a
/// leaf, by its largest branch (raised, with all the node's rows sent through it), or kept —
/// whichever predicts the fewest errors (leaf first, then branch, on ties). Classification only.
public struct ErrorBasedPruning: TreePruner {
    public let name = "ebp"
    /// The confidence factor CF (C4.5's default 0.25); smaller prunes more.
    public var confidence: Double

    public init(confidence: Double = 0.25) { self.confidence = confidence }

    public func prune(_ tree: DecisionTree, data: PruningData) throws -> DecisionTree {
        guard tree.isClassifier else { throw TreeError.unsupported("error-based pruning is defined for classification trees only") }
        guard confidence > 0, confidence < 1 else { throw TreeError.invalidOption("the confidence factor must be in (0, 1), got \(confidence)") }
        let training = data.training
        guard case .classes(let y, _) = training.target, training.featureCount == tree.featureNames.count else {
            throw TreeError.invalidOption("error-based pruning needs the classification data the tree was grown on")
        }
        let z = StandardNormal.quantile(1 - confidence)
        let root = EditableNode(tree, 0)
        _ = estimate(root, rows: Array(0..<training.rowCount), update: true, data: training, y: y, z: z, tree: tree)
        return root.flattened(like: tree)
    }

    /// Predicted errors of the subtree at `node` for `rows`; with `update` it prunes as it goes and
    /// stores the rows' class counts in the nodes.
    private func estimate(_ node: EditableNode, rows: [Int], update: Bool, data: TabularDataset, y: [Int], z: Double,
                          tree: DecisionTree) -> Double {
        var counts = [Double](repeating: 0, count: tree.classCount)
        for r in rows { counts[y[r]] += 1 }
        let n = Double(rows.count)
        if node.isLeaf {
            let predicted = update ? EditableNode.majority(counts, fallback: node.prediction) : node.prediction
            let e = n - counts[predicted]
            if update { node.setCounts(counts, criterion: tree.criterion) }
            return e + Self.extraErrors(n: n, errors: e, confidence: confidence, z: z)
        }
        let column = data.columns[node.feature]
        let leftRows = rows.filter { Double(column[$0]) <= node.threshold }
        let rightRows = rows.filter { Double(column[$0]) > node.threshold }
        let subtreeErrors = estimate(node.left!, rows: leftRows, update: update, data: data, y: y, z: z, tree: tree)
            + estimate(node.right!, rows: rightRows, update: update, data: data, y: y, z: z, tree: tree)
        guard update else { return subtreeErrors }
        node.setCounts(counts, criterion: tree.criterion)
        let leafE = n - (counts.max() ?? 0)
        let leafErrors = leafE + Self.extraErrors(n: n, errors: leafE, confidence: confidence, z: z)
        let largest = leftRows.count >= rightRows.count ? node.left! : node.right!
        let branchErrors = estimate(largest, rows: rows, update: false, data: data, y: y, z: z, tree: tree)
        if leafErrors <= branchErrors && leafErrors <= subtreeErrors {
            node.makeLeaf()
            return leafErrors
        }
        if branchErrors <= subtreeErrors {
            node.replace(with: largest)
            return estimate(node, rows: rows, update: true, data: data, y: y, z: z, tree: tree)
        }
        return subtreeErrors
    }

    /// The extra errors C4.5 adds to E observed errors among n rows (`AddErrs`): the upper limit of the
    /// binomial confidence interval at CF, minus E, with z the standard-normal quantile for 1 − CF.
    public static func extraErrors(n: Double, errors e: Double, confidence cf: Double, z: Double) -> Double {
        guard n > 0 else { return 0 }
        if e < 1 {
            let base = n * (1 - pow(cf, 1 / n))
            if e == 0 { return base }
            return base + e * (extraErrors(n: n, errors: 1, confidence: cf, z: z) - base)
        }
        if e + 0.5 >= n { return max(n - e, 0) }
        let f = (e + 0.5) / n
        let z2 = z * z
        let r = (f + z2 / (2 * n) + z * (f / n - f * f / n + z2 / (4 * n * n)).squareRoot()) / (1 + z2 / n)
        return r * n - e
    }
}

/// The standard normal distribution's quantile function, by Newton's method on Φ(z) = ½·erfc(−z/√2).
public enum StandardNormal {
    /// Φ(z).
    public static func cdf(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

    /// z with Φ(z) = p, for 0 < p < 1.
    public static func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "quantile needs 0 < p < 1")
        var z = 0.0
        for _ in 0..<100 {
            let density = exp(-z * z / 2) / (2 * Double.pi).squareRoot()
            let step = (cdf(z) - p) / max(density, 1e-300)
            z -= max(min(step, 2), -2)
            if abs(step) < 1e-14 { break }
        }
        return z
    }
}
