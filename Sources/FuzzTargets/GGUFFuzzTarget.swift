import Prune

/// GGUF files (`GGUFFile`): header, metadata and tensor infos, every tensor dequantized, and — for
/// architecture `llama` — the tokenizer and the model built and run on two tokens, as `prune llm` does.
struct GGUFFuzzTarget: FuzzTarget {
    var name: String { "gguf" }
    var encoding: SizeFieldEncoding { .binary }

    func seeds(repository: String) throws -> [[UInt8]] {
        let fixture = repository + "/Tests/ModelIOTests/Fixtures/gguf-quants.gguf"
        return SeedFiles.read([fixture]) + [try Self.tinyLlama()]
    }

    func execute(_ bytes: [UInt8]) -> Bool {
        guard let file = try? GGUFFile(bytes: bytes, name: "fuzz.gguf") else { return false }
        for info in file.tensors { guard (try? file.decode(info)) != nil else { return false } }
        guard file["general.architecture"]?.string == "llama" else { return true }
        guard let checkpoint = try? LlamaCheckpoint.loadGGUF(file) else { return false }
        let ids = checkpoint.tokenizer.encode("ab a")
        let row = [ids.first ?? 0, ids.last ?? 0].map { min($0, checkpoint.model.config.vocabularySize - 1) }
        return (try? checkpoint.model.logits([row])) != nil
    }

    /// A two-block Llama GGUF with a five-token byte-level BPE vocabulary, made in memory.
    static func tinyLlama() throws -> [UInt8] {
        let tokens = ["a", "b", "ab", "Ġ", "<s>"], hidden = 8, heads = 2, kvHeads = 1, headSize = 4, width = 12
        var w = GGUFWriter()
        w.metadata = [
            ("general.architecture", .string("llama")), ("llama.block_count", .uint32(2)),
            ("llama.embedding_length", .uint32(UInt32(hidden))), ("llama.feed_forward_length", .uint32(UInt32(width))),
            ("llama.attention.head_count", .uint32(UInt32(heads))), ("llama.attention.head_count_kv", .uint32(1)),
            ("llama.rope.dimension_count", .uint32(UInt32(headSize))), ("llama.context_length", .uint32(64)),
            ("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string("smollm")),
            ("tokenizer.ggml.tokens", .array(elementType: 8, tokens.map { .string($0) })),
            ("tokenizer.ggml.token_type", .array(elementType: 5, [1, 1, 1, 1, 3].map { .int32($0) })),
            ("tokenizer.ggml.merges", .array(elementType: 8, [.string("a b")])),
            ("tokenizer.ggml.bos_token_id", .uint32(4)),
        ]
        var generator = RandomGenerator(seed: 7)
        func matrix(_ rows: Int, _ columns: Int) throws -> Tensor {
            try Tensor(shape: [rows, columns], scalars: (0..<(rows * columns)).map { _ in
                generator.nextUniform() - 0.5 })
        }
        let ones = Tensor([Float](repeating: 1, count: hidden))
        w.tensors = [("token_embd.weight", try matrix(tokens.count, hidden), .f16),
                     ("output_norm.weight", ones, .f32)]
        let shapes = [("attn_q", heads * headSize, hidden), ("attn_k", kvHeads * headSize, hidden),
                      ("attn_v", kvHeads * headSize, hidden), ("attn_output", hidden, heads * headSize),
                      ("ffn_gate", width, hidden), ("ffn_up", width, hidden), ("ffn_down", hidden, width)]
        for block in 0..<2 {
            w.tensors += [("blk.\(block).attn_norm.weight", ones, .f32), ("blk.\(block).ffn_norm.weight", ones, .f32)]
            for (name, rows, columns) in shapes {
                w.tensors.append(("blk.\(block).\(name).weight", try matrix(rows, columns), .f16))
            }
        }
        return Array(try w.encode())
    }
}
