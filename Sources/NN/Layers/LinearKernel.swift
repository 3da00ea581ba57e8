import PruneAutodiff

/// Another way to compute a ``Linear`` layer's forward (and backward) pass, for example on sparse
/// kernels while a very sparse network trains. The kernel may decline (return nil) and the layer then
/// runs its dense product.
public protocol LinearKernel: AnyObject {
    func forward(_ x: Variable, layer: Linear) throws -> Variable?
}
