import PruneTensor
import PruneNN

extension LlamaCheckpoint {
    /// GGUF tensor names for the Hugging Face names of a Llama model.
    static func ggufName(_ hf: String) -> String {
        if hf == "model.embed_tokens.weight" { return "token_embd.weight" }
        if hf == "model.norm.weight" { return "output_norm.weight" }
        if hf == "lm_head.weight" { return "output.weight" }
        let parts = hf.split(separator: ".")
        guard parts.count >= 5, parts[1] == "layers" else { return hf }
        let kind = parts[parts.count - 1]
        if parts[3] == "input_layernorm" { return "blk.\(parts[2]).attn_norm.\(kind)" }
        if parts[3] == "post_attention_layernorm" { return "blk.\(parts[2]).ffn_norm.\(kind)" }
        let names = ["self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
                     "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
                     "mlp.down_proj": "ffn_down"]
        let module = "\(parts[3]).\(parts[4])"
        if let n = names[module] { return "blk.\(parts[2]).\(n).\(kind)" }
        return hf
    }

    /// Reads a GGUF file of architecture `llama`.
    public static func loadGGUF(_ path: String) throws -> LlamaCheckpoint {
        try loadGGUF(GGUFFile(path: path))
    }

    /// Builds the model and tokenizer of an open GGUF file of architecture `llama`.
    public static func loadGGUF(_ file: GGUFFile) throws -> LlamaCheckpoint {
        try LlamaCheckpoint(LlamaSource.gguf(file))
    }

    static func ggufConfig(_ file: GGUFFile) throws -> LlamaConfig {
        let arch = file["general.architecture"]?.string ?? "(none)"
        guard arch == "llama" else {
            throw ModelIOError(file: file.path, "architecture \(arch) is not supported (Prune reads llama)")
        }
        func int(_ key: String) throws -> Int {
            guard let v = file["llama." + key]?.int else { throw ModelIOError(file: file.path,
                                                                              "no integer llama.\(key)") }
            return v
        }
        let shapes = try ggufLayerShapes(file)
        let heads = try shapes?[0].headCount ?? int("attention.head_count"), hidden = try int("embedding_length")
        let tokens = file["tokenizer.ggml.tokens"]?.array?.count
        let vocabulary = file["llama.vocab_size"]?.int ?? tokens ?? 0
        let headSize = file["llama.attention.key_length"]?.int ?? file["llama.rope.dimension_count"]?.int
            ?? hidden / max(heads, 1)
        return LlamaConfig(vocabularySize: vocabulary, hiddenSize: hidden,
                           intermediateSize: try shapes?[0].intermediateSize ?? int("feed_forward_length"),
                           layerCount: try int("block_count"), headCount: heads,
                           keyValueHeadCount: shapes?[0].keyValueHeadCount ?? file["llama.attention.head_count_kv"]?.int
                               ?? heads, headSize: headSize,
                           ropeTheta: file["llama.rope.freq_base"]?.double ?? 10_000,
                           rmsNormEpsilon: Float(file["llama.attention.layer_norm_rms_epsilon"]?.double ?? 1e-5),
                           contextLength: file["llama.context_length"]?.int ?? 2048,
                           tiedEmbeddings: file.info("output.weight") == nil,
                           bos: file["tokenizer.ggml.bos_token_id"]?.int, eos: file["tokenizer.ggml.eos_token_id"]?.int,
                           layerShapes: shapes)
    }

    /// Per-layer widths when any of `head_count`, `head_count_kv`, `feed_forward_length` is an
    /// array (llama.cpp's form for blocks of different widths); nil when all three are scalars.
    static func ggufLayerShapes(_ file: GGUFFile) throws -> [LlamaLayerShape]? {
        let keys = ["attention.head_count", "attention.head_count_kv", "feed_forward_length"]
        let values = keys.map { file["llama." + $0] }
        guard values.contains(where: { $0?.array != nil }) else { return nil }
        guard let blocks = file["llama.block_count"]?.int, blocks > 0 else {
            throw ModelIOError(file: file.path, "per-layer widths without an integer llama.block_count")
        }
        var columns: [[Int]] = []
        for (key, value) in zip(keys, values) {
            if let array = value?.array {
                let ints = array.compactMap(\.int)
                guard ints.count == blocks, ints.count == array.count else {
                    throw ModelIOError(file: file.path, "llama.\(key) holds \(array.count) values for \(blocks) blocks")
                }
                columns.append(ints)
            } else if let v = value?.int {
                columns.append([Int](repeating: v, count: blocks))
            } else if key == "attention.head_count_kv" {
                columns.append(columns[0])  // absent: as many key/value heads as query heads
            } else {
                throw ModelIOError(file: file.path, "no integer llama.\(key)")
            }
        }
        return (0..<blocks).map { LlamaLayerShape(headCount: columns[0][$0], keyValueHeadCount: columns[1][$0],
                                                  intermediateSize: columns[2][$0]) }
    }
}

/// llama.cpp's converter reorders the rows of each query/key head from transformers' "rotate
/// half" layout (first half, second half) to interleaved pairs; these put them back and forth.
public enum RotaryRows {
    /// Whether the Hugging Face tensor `name` holds query or key rows (weight or bias), which the two
    /// layouts order differently.
    public static func applies(to name: String) -> Bool {
        name.contains("q_proj.") || name.contains("k_proj.")
    }

    /// GGUF (interleaved) rows → Hugging Face rows.
    public static func fromInterleaved(_ w: Tensor, heads: Int) throws -> Tensor {
        try w.gather(axis: 0, indices: order(rows: w.shape[0], heads: heads, toInterleaved: false))
    }

    /// Hugging Face rows → GGUF (interleaved) rows.
    public static func toInterleaved(_ w: Tensor, heads: Int) throws -> Tensor {
        try w.gather(axis: 0, indices: order(rows: w.shape[0], heads: heads, toInterleaved: true))
    }

    /// For each output row, the input row it comes from.
    static func order(rows: Int, heads: Int, toInterleaved: Bool) -> [Int] {
        let d = rows / max(heads, 1), half = d / 2
        var out = [Int](repeating: 0, count: rows)
        for h in 0..<heads {
            for s in 0..<2 {
                for i in 0..<half {
                    let hf = h * d + s * half + i, gguf = h * d + 2 * i + s
                    if toInterleaved { out[gguf] = hf } else { out[hf] = gguf }
                }
            }
        }
        return out
    }
}
