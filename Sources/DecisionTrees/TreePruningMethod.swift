/// A post-pruning method with its settings, as the CLI and the benchmark name them.
public enum TreePruningMethod: Sendable, Equatable {
    /// No post-pruning (the grown tree, pre-pruning rules included).
    case none
    /// Minimal cost-complexity pruning at a fixed alpha, or with alpha chosen by k-fold
    /// cross-validation under `rule` when `alpha` is nil.
    case costComplexity(alpha: Double?, rule: AlphaSelectionRule, folds: Int)
    /// Reduced-error pruning; `validationFraction` of the training rows are held out as the pruning set.
    case reducedError(validationFraction: Double)
    /// C4.5 error-based pruning with subtree raising at confidence factor `confidence`.
    case errorBased(confidence: Double)
    /// Quinlan's pessimistic error pruning.
    case pessimistic

    /// The CLI's short name.
    public var shortName: String {
        switch self {
        case .none: return "none"
        case .costComplexity: return "ccp"
        case .reducedError: return "rep"
        case .errorBased: return "ebp"
        case .pessimistic: return "pep"
        }
    }
}

/// The outcome of growing and pruning one tree.
public struct TreeFit: Sendable {
    /// The grown tree, before post-pruning.
    public var unpruned: DecisionTree
    /// The tree after post-pruning.
    public var pruned: DecisionTree
    /// The cost-complexity path of the grown tree.
    public var path: [CostComplexityStep]
    /// The alpha used by cost-complexity pruning.
    public var alpha: Double?
    /// The cross-validated candidates, when alpha was selected.
    public var candidates: [AlphaCandidate]?
}

/// Grows a tree with pre-pruning options and post-prunes it with one method: the one entry point
/// the CLI and the benchmark share.
public struct TreePruningPipeline: Sendable {
    public var growth: TreeGrowthOptions
    public var method: TreePruningMethod
    /// Seed of the cross-validation folds and of the validation split.
    public var seed: UInt64

    public init(growth: TreeGrowthOptions = .init(), method: TreePruningMethod, seed: UInt64 = 0) {
        self.growth = growth; self.method = method; self.seed = seed
    }

    /// Prunes an existing tree (grown elsewhere, e.g. read from a file). `data` is the data it was
    /// grown on, except for reduced-error pruning, where it is the pruning set.
    public func prune(_ tree: DecisionTree, data: TabularDataset) throws -> TreeFit {
        try tree.validate(featureCount: data.featureCount)
        guard tree.isClassifier == data.target.isClassification else {
            throw TreeError.invalidOption("the tree and the data disagree on classification vs regression")
        }
        let path = CostComplexityPruning.path(tree)
        switch method {
        case .none: return TreeFit(unpruned: tree, pruned: tree, path: path)
        case .costComplexity(let alpha, let rule, let folds):
            var chosen = alpha, candidates: [AlphaCandidate]?
            if chosen == nil {
                let selection = try CostComplexityCrossValidation(growth: growth, folds: folds, rule: rule,
                                                                  seed: seed).select(tree: tree, data: data)
                chosen = selection.alpha; candidates = selection.candidates
            }
            let pruned = try CostComplexityPruning(alpha: chosen!).prune(tree, data: PruningData(training: data))
            return TreeFit(unpruned: tree, pruned: pruned, path: path, alpha: chosen, candidates: candidates)
        case .reducedError:
            return TreeFit(unpruned: tree, pruned: try ReducedErrorPruning().prune(tree,
                                                                                   data: PruningData(training: data,
                    validation: data)), path: path)
        case .errorBased(let cf):
            return TreeFit(unpruned: tree, pruned: try ErrorBasedPruning(confidence: cf).prune(tree,
                    data: PruningData(training: data)), path: path)
        case .pessimistic:
            return TreeFit(unpruned: tree, pruned: try PessimisticErrorPruning().prune(tree,
                                                                                       data: PruningData(training: data)), path: path)
        }
    }

    /// Grows on `training` (less the pruning set, for reduced-error pruning) and prunes.
    public func fit(_ training: TabularDataset) throws -> TreeFit {
        switch method {
        case .none:
            let tree = try TreeGrower.grow(training, options: growth)
            return TreeFit(unpruned: tree, pruned: tree, path: CostComplexityPruning.path(tree))
        case .costComplexity(let alpha, let rule, let folds):
            let tree = try TreeGrower.grow(training, options: growth)
            var chosen = alpha
            var candidates: [AlphaCandidate]?
            if chosen == nil {
                let cv = CostComplexityCrossValidation(growth: growth, folds: folds, rule: rule, seed: seed)
                let selection = try cv.select(tree: tree, data: training)
                chosen = selection.alpha; candidates = selection.candidates
            }
            let pruned = try CostComplexityPruning(alpha: chosen!).prune(tree, data: PruningData(training: training))
            return TreeFit(unpruned: tree, pruned: pruned, path: CostComplexityPruning.path(tree), alpha: chosen,
                           candidates: candidates)
        case .reducedError(let fraction):
            let split = try RandomSplits.holdout(training, fraction: fraction, seed: seed)
            let grow = training.subset(split.kept), validation = training.subset(split.heldOut)
            let tree = try TreeGrower.grow(grow, options: growth)
            let pruned = try ReducedErrorPruning().prune(tree, data: PruningData(training: grow,
                                                                                 validation: validation))
            return TreeFit(unpruned: tree, pruned: pruned, path: CostComplexityPruning.path(tree))
        case .errorBased(let cf):
            let tree = try TreeGrower.grow(training, options: growth)
            let pruned = try ErrorBasedPruning(confidence: cf).prune(tree, data: PruningData(training: training))
            return TreeFit(unpruned: tree, pruned: pruned, path: CostComplexityPruning.path(tree))
        case .pessimistic:
            let tree = try TreeGrower.grow(training, options: growth)
            let pruned = try PessimisticErrorPruning().prune(tree, data: PruningData(training: training))
            return TreeFit(unpruned: tree, pruned: pruned, path: CostComplexityPruning.path(tree))
        }
    }

    /// k-fold cross-validation of the pruned tree: per fold, its size and test score.
    public func crossValidate(_ data: TabularDataset, folds k: Int, seed foldSeed: UInt64 = 0,
                              progress: ((Int) -> Void)? = nil) throws -> [FoldResult] {
        let folds = try RandomSplits.folds(data, k: k, seed: foldSeed)
        var results: [FoldResult] = []
        for (f, held) in folds.enumerated() {
            let (train, test) = RandomSplits.trainTest(data, held: held)
            let fit = try self.fit(train)
            results.append(FoldResult(size: TreeSize(fit.pruned), testScore: fit.pruned.score(test),
                                      unprunedSize: TreeSize(fit.unpruned), unprunedTestScore: fit.unpruned.score(test)))
            progress?(f + 1)
        }
        return results
    }
}

/// One fold of a cross-validation.
public struct FoldResult: Sendable, Codable {
    public var size: TreeSize
    /// Accuracy (classification) or R² (regression) on the held-out fold.
    public var testScore: Double
    public var unprunedSize: TreeSize
    public var unprunedTestScore: Double
}
