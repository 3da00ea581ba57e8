import PruneNN
import PruneTensor

/// SNIP (Lee, Ajanthan & Torr, "SNIP: Single-shot Network Pruning based on Connection Sensitivity",
/// ICLR 2019): s_j = |g_j·w_j| / Σ_k |g_k·w_k| on one mini-batch of the untrained network, the top
/// fraction kept globally. The paper used one batch (100 examples on MNIST, 128 on CIFAR-10).
public struct SNIPAtInit: InitializationCriterion {
    public let name = "snip"
    public init() {}

    public func scores(_ model: any Module, targets: [PruningTarget], data: InitializationData) throws -> [[Float]] {
        let g = try BatchGradients.mean(model, targets: targets, batches: Array(data.batches.prefix(1)))
        let raw = zip(g, targets).map { g, t in zip(g, t.parameter.effectiveValue.scalars).map { abs($0 * $1) } }
        let total = raw.reduce(0.0) { $0 + $1.reduce(0.0) { $0 + Double($1) } }
        return raw.map { $0.map { $0 / Float(max(total, Double(Float.leastNormalMagnitude))) } }
    }
}
