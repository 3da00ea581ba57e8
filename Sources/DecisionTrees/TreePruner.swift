/// The data a post-pruning method may use.
public struct PruningData: Sendable {
    /// The rows the tree was grown on.
    public var training: TabularDataset
    /// A held-out pruning set (reduced-error pruning needs one).
    public var validation: TabularDataset?
    public init(training: TabularDataset, validation: TabularDataset? = nil) {
        self.training = training; self.validation = validation
    }
}

/// A post-pruning method: takes a grown tree and returns a pruned one. One type per method.
public protocol TreePruner: Sendable {
    /// Short name, as the CLI spells it (`ccp`, `rep`, `ebp`, `pep`).
    var name: String { get }
    /// The pruned tree.
    func prune(_ tree: DecisionTree, data: PruningData) throws -> DecisionTree
}
