import Foundation
import PruneTensor
import PruneNN

/// A Llama-family decoder with its tokenizer, read from a GGUF file (llama.cpp's container,
/// quantized weights dequantized to Float32) or a Hugging Face folder (`config.json`,
/// `model.safetensors`, `tokenizer.json`). Both give the Hugging Face layout: GGUF's query and
/// key rows, which llama.cpp's converter interleaves for its rotary kernel, are put back in
/// transformers' order on loading and interleaved again on export.
public struct LlamaCheckpoint {
    public var model: LlamaModel
    public var tokenizer: ByteLevelBPETokenizer
    /// The file or folder it was read from.
    public var source: String
    /// The GGUF metadata when read from GGUF (kept for a GGUF export).
    public var ggufMetadata: [(key: String, value: GGUFValue)]

    public init(model: LlamaModel, tokenizer: ByteLevelBPETokenizer, source: String,
                ggufMetadata: [(key: String, value: GGUFValue)]) {
        self.model = model; self.tokenizer = tokenizer; self.source = source; self.ggufMetadata = ggufMetadata
    }

    /// The whole model of an opened source, decoded into memory.
    public init(_ source: LlamaSource) throws {
        self.init(model: try source.model(), tokenizer: source.tokenizer, source: source.path,
                  ggufMetadata: source.ggufMetadata)
    }

    /// Reads `path`: a `.gguf` file or a Hugging Face folder.
    public static func load(_ path: String) throws -> LlamaCheckpoint {
        try LlamaCheckpoint(LlamaSource.open(path))
    }
}

/// Builds the parts of a Llama model from tensors named as in Hugging Face checkpoints, checking
/// each tensor's shape and that it is finite; used for the whole model and for one block at a time.
struct LlamaTensorReader {
    let config: LlamaConfig
    let file: String
    let tensor: (String) throws -> Tensor?

    func need(_ name: String, _ shape: [Int]) throws -> Tensor {
        guard let t = try tensor(name) else { throw ModelIOError(file: file, "no tensor \(name)") }
        return try checked(name, t, shape)
    }

    func checked(_ name: String, _ t: Tensor, _ shape: [Int]) throws -> Tensor {
        guard t.shape == shape else {
            throw ModelIOError(file: file, "\(name) has shape \(t.shape), expected \(shape)")
        }
        guard t.isFinite else { throw ModelIOError(file: file, "\(name) holds NaN or infinite values") }
        return t
    }

    func linear(_ name: String, _ out: Int, _ inputs: Int) throws -> Linear {
        let bias = try tensor(name + ".bias").map { try checked(name + ".bias", $0, [out]) }
        return Linear(weight: try need(name + ".weight", [out, inputs]), bias: bias)
    }

    /// The embedding, final norm and output head (or the tied embedding) around `blocks`.
    func model(blocks: [LlamaBlock]) throws -> LlamaModel {
        let c = config
        let embedding = Embedding(weight: try need("model.embed_tokens.weight", [c.vocabularySize, c.hiddenSize]))
        let head = c.tiedEmbeddings ? nil : try linear("lm_head", c.vocabularySize, c.hiddenSize)
        return LlamaModel(config: c, embedding: embedding, layers: blocks, norm: try norm("model.norm"), head: head)
    }

    func norm(_ name: String) throws -> RMSNorm {
        RMSNorm(weight: try need(name + ".weight", [config.hiddenSize]), epsilon: config.rmsNormEpsilon)
    }

    /// Block `i` (`model.layers.i.*`).
    func block(_ i: Int) throws -> LlamaBlock {
        let c = config, d = c.hiddenSize, p = "model.layers.\(i).", s = c.shape(ofLayer: i)
        let q = s.headCount * c.headSize, kv = s.keyValueHeadCount * c.headSize
        let attention = LlamaAttention(query: try linear(p + "self_attn.q_proj", q, d),
                                       key: try linear(p + "self_attn.k_proj", kv, d),
                                       value: try linear(p + "self_attn.v_proj", kv, d),
                                       output: try linear(p + "self_attn.o_proj", d, q), headSize: c.headSize)
        let mlp = LlamaMLP(gate: try linear(p + "mlp.gate_proj", s.intermediateSize, d),
                           up: try linear(p + "mlp.up_proj", s.intermediateSize, d),
                           down: try linear(p + "mlp.down_proj", d, s.intermediateSize))
        return LlamaBlock(inputNorm: try norm(p + "input_layernorm"), attention: attention,
                          postAttentionNorm: try norm(p + "post_attention_layernorm"), mlp: mlp)
    }
}
