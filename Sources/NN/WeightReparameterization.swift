import PruneAutodiff

/// A parameter seen through a differentiable function while it trains: the learned-mask methods
/// (STR's soft threshold, L0's hard-concrete gates, sparse variational dropout's noise) are
/// reparameterizations, so every layer that reads its weight with ``Parameter/variable()`` trains
/// them without knowing. The gradient reaches the parameter through `apply`.
public protocol WeightReparameterization: AnyObject {
    /// The weight the forward pass uses, from the stored (masked) weight.
    func apply(_ weight: Variable) throws -> Variable
}
