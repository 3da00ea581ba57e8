import Foundation
import PruneTensor
import PruneNN

extension LlamaCheckpoint {
    /// Writes the model as a GGUF file that llama.cpp and Prune read: the original metadata (when
    /// read from GGUF: tokenizer, chat template, …) with the sizes and file type updated, matrices
    /// in F16 or F32 (pruned zeros stay zeros), norms in F32, query/key rows interleaved again for
    /// llama.cpp's rotary kernel. Atomic; never over the input.
    public func saveGGUF(to path: String, storage: GGUFWriter.Storage = .f16) throws {
        guard !AtomicFile.isSamePath(path, source) else {
            throw ModelIOError(file: path, "refusing to overwrite the input model; choose another output")
        }
        try AtomicFile.checkDestination(path)
        var writer = GGUFWriter()
        writer.metadata = ggufExportMetadata(storage: storage)
        let headSize = model.config.headSize
        for (name, p) in model.parameters() {
            var t = p.effectiveValue
            if RotaryRows.applies(to: name) {
                t = try RotaryRows.toInterleaved(t, heads: max(t.shape[0] / headSize, 1))
            }
            writer.tensors.append((Self.ggufName(name), t, t.rank == 1 ? .f32 : storage))
        }
        try writer.write(to: path)
    }

    func ggufExportMetadata(storage: GGUFWriter.Storage) -> [(key: String, value: GGUFValue)] {
        let c = model.config
        // Blocks of different widths: llama.cpp reads these three keys as per-layer arrays.
        func widths(_ value: (LlamaLayerShape) -> Int) -> GGUFValue {
            guard let shapes = c.layerShapes else { return .uint32(UInt32(value(c.shape(ofLayer: 0)))) }
            return .array(elementType: 5, shapes.map { .int32(Int32(value($0))) })
        }
        let sizes: [(String, GGUFValue)] = [
            ("llama.block_count", .uint32(UInt32(model.layers.count))), ("llama.embedding_length",
                                                                         .uint32(UInt32(c.hiddenSize))),
            ("llama.feed_forward_length", widths(\.intermediateSize)),
            ("llama.attention.head_count", widths(\.headCount)),
            ("llama.attention.head_count_kv", widths(\.keyValueHeadCount)),
            ("llama.attention.key_length", .uint32(UInt32(c.headSize))),
            ("llama.attention.value_length", .uint32(UInt32(c.headSize))),
            ("llama.rope.dimension_count", .uint32(UInt32(c.headSize))),
            ("llama.rope.freq_base", .float32(Float(c.ropeTheta))),
            ("llama.attention.layer_norm_rms_epsilon", .float32(c.rmsNormEpsilon)),
            ("llama.context_length", .uint32(UInt32(c.contextLength))), ("llama.vocab_size",
                                                                         .uint32(UInt32(c.vocabularySize))),
            ("general.file_type", .uint32(storage == .f32 ? 0 : 1)),
        ]
        var out = ggufMetadata.isEmpty ? tokenizerMetadata() : ggufMetadata
        out.removeAll { key, _ in sizes.contains { $0.0 == key } || key == "general.quantization_version" }
        if !out.contains(where: { $0.key == "general.architecture" }) { out.insert(("general.architecture",
                                                                                    .string("llama")), at: 0) }
        return out + sizes.map { ($0.0, $0.1) }
    }

    /// `tokenizer.ggml.*` keys for a model read from a Hugging Face folder.
    func tokenizerMetadata() -> [(key: String, value: GGUFValue)] {
        let t = tokenizer
        let types = t.tokens.map { t.specialTokens.contains($0) ? Int32(3) : Int32(1) }
        var out: [(key: String, value: GGUFValue)] = [
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string(t.preTokenizer is DigitSplitting ? "smollm" : "gpt2")),
            ("tokenizer.ggml.tokens", .array(elementType: 8, t.tokens.map { .string($0) })),
            ("tokenizer.ggml.token_type", .array(elementType: 5, types.map { .int32($0) })),
            ("tokenizer.ggml.merges", .array(elementType: 8, t.merges.map { .string($0) })),
            ("tokenizer.ggml.add_bos_token", .bool(t.addsBOS)),
        ]
        if let b = t.bos { out.append(("tokenizer.ggml.bos_token_id", .uint32(UInt32(b)))) }
        if let e = t.eos { out.append(("tokenizer.ggml.eos_token_id", .uint32(UInt32(e)))) }
        return out
    }
}
