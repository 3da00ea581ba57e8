import PruneTensor
import PruneNN

/// transformers' `LlamaConfig` switches biases on for a whole family at once: `attention_bias`
/// gives q/k/v/o_proj a bias in every block, `mlp_bias` gives gate/up/down_proj one. A pruned model
/// may carry a bias on one projection only (a bias compensation in down_proj or o_proj), so the
/// export writes the other biases of that family as zeros — real zero biases the format requires,
/// not padding: every shape stays the pruned one.
struct HuggingFaceBiases {
    var attention: Bool
    var mlp: Bool

    /// The flags of `model`: a family is on when any of its projections in any block has a bias.
    init(model: LlamaModel) {
        let projections = model.layers.flatMap(\.linearLayers)
        func any(_ prefix: String) -> Bool {
            projections.contains { $0.path.hasPrefix(prefix) && $0.layer.biasValue != nil }
        }
        attention = any("self_attn."); mlp = any("mlp.")
    }

    /// Adds zero biases where the family's flag is on and a projection has none.
    static func addZeroBiases(to state: inout StateDict, model: LlamaModel) {
        let flags = HuggingFaceBiases(model: model)
        for (i, block) in model.layers.enumerated() {
            for (path, layer) in block.linearLayers {
                let family = path.hasPrefix("self_attn.") ? flags.attention : flags.mlp
                let name = "model.layers.\(i).\(path).bias"
                guard family, state.tensors[name] == nil else { continue }
                state.tensors[name] = Tensor([Float](repeating: 0, count: layer.outFeatures))
            }
        }
    }
}

extension LlamaCheckpoint {
    /// transformers' `LlamaConfig` holds one head count, key/value head count and MLP width for all
    /// blocks; a model whose blocks differ cannot be written as a folder it loads.
    static func checkHuggingFaceLoadable(_ model: LlamaModel, destination: String) throws {
        let shapes = model.layerShapes
        guard let first = shapes.first,
              let (i, other) = shapes.enumerated().first(where: { $0.element != first }) else { return }
        throw ModelIOError(file: destination, "block \(i) has \(other) but block 0 has \(first); transformers' "
                           + "LlamaConfig takes one width per field for all blocks, so this model cannot be a Hugging "
                           + "Face folder. Prune with uniform widths (--spread uniform) or export GGUF (--gguf-out), "
                           + "which stores per-layer widths")
    }
}
