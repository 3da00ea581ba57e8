/// How a tree is grown, including every pre-pruning (early stopping) rule.
///
/// The defaults grow a full tree, as scikit-learn's defaults do.
public struct TreeGrowthOptions: Sendable, Equatable, Codable {
    /// Split criterion; `nil` picks Gini for classification and squared error for regression.
    public var criterion: SplitCriterion?
    /// Stop splitting at this depth (root is depth 0).
    public var maxDepth: Int?
    /// A node needs at least this many rows to be split.
    public var minSamplesSplit: Int = 2
    /// Each child of a split must keep at least this many rows.
    public var minSamplesLeaf: Int = 1
    /// A split must lower the weighted impurity, (n_t/n)·(i(t) − n_L/n_t·i(L) − n_R/n_t·i(R)), by at least this.
    public var minImpurityDecrease: Double = 0
    /// Grow best-first (largest impurity decrease first) up to this many leaves.
    public var maxLeafNodes: Int?
    /// Chi-squared pre-pruning (Quinlan 1986): keep a split only when the test of independence
    /// between branch and class rejects at this significance level (e.g. 0.05). Classification only.
    public var chiSquaredSignificance: Double?

    public init(criterion: SplitCriterion? = nil, maxDepth: Int? = nil, minSamplesSplit: Int = 2,
                minSamplesLeaf: Int = 1,
                minImpurityDecrease: Double = 0, maxLeafNodes: Int? = nil, chiSquaredSignificance: Double? = nil) {
        self.criterion = criterion; self.maxDepth = maxDepth; self.minSamplesSplit = minSamplesSplit
        self.minSamplesLeaf = minSamplesLeaf; self.minImpurityDecrease = minImpurityDecrease
        self.maxLeafNodes = maxLeafNodes; self.chiSquaredSignificance = chiSquaredSignificance
    }

    /// Checks the options against a data set; the error says which option is wrong and why.
    public func validate(for data: TabularDataset) throws {
        if let d = maxDepth, d < 0 { throw TreeError.invalidOption("max depth must be ≥ 0, got \(d)") }
        if minSamplesSplit < 2 { throw TreeError.invalidOption("min samples per split must be ≥ 2, got \(minSamplesSplit)") }
        if minSamplesLeaf < 1 { throw TreeError.invalidOption("min samples per leaf must be ≥ 1, got \(minSamplesLeaf)") }
        if !(minImpurityDecrease >= 0) { throw TreeError.invalidOption("min impurity decrease must be ≥ 0, got \(minImpurityDecrease)") }
        if let m = maxLeafNodes, m < 2 { throw TreeError.invalidOption("max leaf nodes must be ≥ 2, got \(m)") }
        if let a = chiSquaredSignificance {
            if !(a > 0 && a < 1) { throw TreeError.invalidOption("chi-squared significance must be in (0, 1), got \(a)") }
            if !data.target.isClassification { throw TreeError.invalidOption("the chi-squared test needs a classification target") }
        }
        switch (criterion, data.target.isClassification) {
        case (.squaredError?,
              true): throw TreeError.invalidOption("squared-error is a regression criterion; the target \(data.targetName) is categorical")
        case (.gini?, false), (.entropy?,
                               false): throw TreeError.invalidOption("\(criterion!.rawValue) is a classification criterion; the target \(data.targetName) is numeric")
        default: break
        }
        if data.rowCount == 0 { throw TreeError.invalidOption("no rows to grow a tree on") }
    }
}

/// Errors of tree growing and pruning.
public enum TreeError: Error, CustomStringConvertible, Equatable {
    case invalidOption(String)
    case unsupported(String)
    public var description: String {
        switch self {
        case .invalidOption(let m): return m
        case .unsupported(let m): return m
        }
    }
}
