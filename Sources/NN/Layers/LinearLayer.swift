import PruneTensor

/// An affine map y = x·Wᵀ + b over the last axis, whatever stores W: the dense ``Linear``, or an
/// inference-only sparse layer. Models hold their projections as `any LinearLayer`, so a pruned
/// Linear can be swapped for a sparse one by path (`replaceModule(at:with:)`).
public protocol LinearLayer: ExampleWiseLayer {
    var inFeatures: Int { get }
    var outFeatures: Int { get }
    /// The bias, or nil.
    var biasValue: Tensor? { get }
}

extension Linear: LinearLayer {
    public var biasValue: Tensor? { bias?.effectiveValue }
}
