import Foundation
import PruneTensor
import PruneAutodiff
import PruneNN

/// LoRA adapters (Hu et al., ICLR 2022) on every projection of every block (q/k/v/o, gate/up/down):
/// the student's weights stay frozen, only the adapters train, and ``finish(_:)`` merges each adapter
/// into its projection, so the distilled model has the pruned shapes and no extra layers
/// (LLM-Pruner, Ma et al. 2023, recovers structurally pruned LLMs this way).
public struct LoRAAdapters: DistillationTrainables {
    public var rank: Int
    /// α; the update is scaled by α / rank.
    public var alpha: Float

    public init(rank: Int = 8, alpha: Float = 16) { self.rank = rank; self.alpha = alpha }

    public var name: String { "lora" }
    public var defaultLearningRate: Float { 1e-3 }

    public func prepare(_ student: LlamaModel, seed: UInt64) throws -> [Parameter] {
        for (_, p) in student.parameters() { p.requiresGrad = false }
        var rng = RandomGenerator(seed: seed)
        var trained: [Parameter] = []
        for (i, block) in student.layers.enumerated() {
            for (path, layer) in block.linearLayers {
                guard let linear = layer as? Linear else {
                    throw OneShotError.invalid("LoRA needs dense projections; block \(i) \(path) is "
                                               + "\(layer.summary)")
                }
                let rank = min(self.rank, linear.inFeatures, linear.outFeatures)
                let adapter = try LoRALinear(wrapping: linear, rank: rank, alpha: alpha * Float(rank)
                                             / Float(self.rank), rng: &rng)
                try student.replaceModule(at: "model.layers.\(i).\(path)", with: adapter)
                trained += [adapter.down, adapter.up]
            }
        }
        return trained
    }

    public func finish(_ student: LlamaModel) throws {
        for (path, module) in student.namedModules() {
            guard let adapter = module as? LoRALinear else { continue }
            try student.replaceModule(at: path, with: try adapter.merged())
        }
        for (_, p) in student.parameters() { p.requiresGrad = true }
    }
}
