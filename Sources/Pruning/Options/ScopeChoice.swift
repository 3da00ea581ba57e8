/// How a sparsity target is shared among layers, as the CLI and recipes name it (see ``PruningScope``).
public enum ScopeChoice: String, OptionValue, CaseIterable {
    /// One threshold over every in-scope weight (Han et al. 2015).
    case global
    /// The same sparsity in every layer.
    case layerwise
    /// Global, but every layer keeps at least the protected fraction of its groups.
    case protected

    public static let optionName = "scope"
}
