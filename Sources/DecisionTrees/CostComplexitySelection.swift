import Foundation

/// How cross-validation picks alpha on the cost-complexity path.
public enum AlphaSelectionRule: String, Sendable, CaseIterable, Codable {
    /// The alpha with the lowest cross-validated error (the largest such alpha on ties).
    case minimumError = "min"
    /// The largest alpha whose error is within one standard error of the minimum
    /// (Breiman et al. 1984, §3.4.3).
    case oneStandardError = "1se"
}

/// One candidate of the cross-validated cost-complexity path.
public struct AlphaCandidate: Sendable, Codable, Equatable {
    /// Alpha on the path of the tree grown on all the data.
    public var alpha: Double
    /// Leaves of that subtree.
    public var leaves: Int
    /// Cross-validated error: misclassification rate, or mean squared error for regression.
    public var error: Double
    /// Standard error of `error` over the folds.
    public var standardError: Double
}

/// Cost-complexity pruning with alpha chosen by k-fold cross-validation (Breiman et al. 1984, ch. 3 and 11):
/// the tree grown on all the data gives the path α_0 < α_1 < …; each fold grows a tree on the other
/// folds and is scored at the geometric means √(α_k·α_{k+1}); the chosen α_k prunes the full tree.
public struct CostComplexityCrossValidation: TreePruner {
    public let name = "ccp"
    public var growth: TreeGrowthOptions
    public var folds: Int
    public var rule: AlphaSelectionRule
    public var seed: UInt64

    public init(growth: TreeGrowthOptions = .init(), folds: Int = 5, rule: AlphaSelectionRule = .minimumError,
                seed: UInt64 = 0) {
        self.growth = growth; self.folds = folds; self.rule = rule; self.seed = seed
    }

    /// Scores every alpha of `tree`'s path (grown on `data` with `growth`) and returns the chosen one.
    public func select(tree: DecisionTree, data: TabularDataset) throws -> (alpha: Double,
                                                                            candidates: [AlphaCandidate]) {
        let schedule = CostComplexityPruning.schedule(tree)
        let path = schedule.path
        let probes: [Double] = path.indices.map { k in
            k + 1 < path.count ? (max(path[k].alpha, 0) * max(path[k + 1].alpha, 0)).squareRoot() : path[k].alpha
        }
        let foldRows = try RandomSplits.folds(data, k: folds, seed: seed)
        var foldErrors = [[Double]](repeating: [], count: path.count)   // per candidate, per fold: error rate
        var totalErrors = [Double](repeating: 0, count: path.count)
        for held in foldRows {
            let (train, test) = RandomSplits.trainTest(data, held: held)
            let foldTree = try TreeGrower.grow(train, options: growth)
            let foldSchedule = CostComplexityPruning.schedule(foldTree)
            let predictions = CostComplexityPruning.pathPredictions(foldTree, schedule: foldSchedule, data: test)
            for k in path.indices {
                let step = foldSchedule.lastStep(within: probes[k])
                let e = Self.errorSum(predictions[step], test.target)
                totalErrors[k] += e
                foldErrors[k].append(e / Double(held.count))
            }
        }
        let candidates = path.indices.map { k -> AlphaCandidate in
            let rates = foldErrors[k]
            let mean = rates.reduce(0, +) / Double(rates.count)
            let variance = rates.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(rates.count - 1, 1))
            return AlphaCandidate(alpha: path[k].alpha, leaves: path[k].leaves,
                                  error: totalErrors[k] / Double(data.rowCount),
                                  standardError: (variance / Double(rates.count)).squareRoot())
        }
        var best = 0
        for k in candidates.indices where candidates[k].error <= candidates[best].error { best = k }
        var chosen = best
        if rule == .oneStandardError {
            let limit = candidates[best].error + candidates[best].standardError
            for k in candidates.indices where candidates[k].error <= limit { chosen = k }
        }
        return (candidates[chosen].alpha, candidates)
    }

    public func prune(_ tree: DecisionTree, data: PruningData) throws -> DecisionTree {
        let alpha = try select(tree: tree, data: data.training).alpha
        return try CostComplexityPruning(alpha: alpha).prune(tree, data: data)
    }

    /// Misclassifications, or the sum of squared errors.
    static func errorSum(_ predictions: [Double], _ target: TabularTarget) -> Double {
        switch target {
        case .classes(let y, _): return Double(zip(predictions, y).filter { Int($0.0) != $0.1 }.count)
        case .values(let y): return zip(predictions, y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        }
    }
}
