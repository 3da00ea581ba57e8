import Foundation
import PruneTensor

/// A convolution's filters packed for the product kernels, kept between inference calls while the weight,
/// its mask and the groups stay the same (a layer's weight is constant during inference: packing it on
/// every call, as the product kernels otherwise do block by block, is repeated work).
final class PackedFilterCache: @unchecked Sendable {
    private struct Key: Equatable { let value: Int, mask: Int, groups: Int, shape: [Int] }
    private var key: Key?
    private var packed: PackedFilters?
    private let lock = NSLock()

    /// The packed filters of `weight` (whose effective value is `filters`), packed now if the cached ones are
    /// for another version; nil when the weight is reparameterized (its value is a function of more state)
    /// or the product kernels do not take packed filters.
    func filters(of weight: Parameter, value filters: Tensor, groups: Int) -> PackedFilters? {
        guard weight.reparameterization == nil else { return nil }
        let current = Key(value: weight.valueVersion, mask: weight.maskVersion, groups: groups, shape: filters.shape)
        return lock.withLock {
            if key == current { return packed }
            packed = PackedFilters(filters: filters, groups: groups)
            key = current
            return packed
        }
    }
}
