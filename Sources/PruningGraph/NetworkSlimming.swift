import PruneAutodiff
import PruneNN

/// Network slimming's sparsity penalty (Liu et al., "Learning Efficient Convolutional Networks through
/// Network Slimming", ICCV 2017): λ·Σ|γ| over the per-channel scales of every normalization layer, added
/// to the training loss so unimportant channels get small scales that the `bn` criterion then removes.
public enum NetworkSlimming {
    /// λ·Σ|γ| of `model`'s normalization layers (nil when it has none).
    public static func penalty(_ model: any Module, lambda: Float) throws -> Variable? {
        var total: Variable?
        for (_, m) in model.namedModules() {
            guard let layer = m as? any ChannelPrunable, layer.channelTransform == .normalization,
                  let scale = layer.channelScale else { continue }
            let term = try scale.variable().abs().sum()
            total = try total.map { try $0 + term } ?? term
        }
        return total.map { $0 * lambda }
    }
}
