import Foundation
import PruneTensor
import PruneNN

extension LlamaCheckpoint {
    /// Reads a Hugging Face folder: `config.json` (`model_type` llama), `model.safetensors`,
    /// `tokenizer.json`.
    public static func loadHuggingFace(directory: String) throws -> LlamaCheckpoint {
        try LlamaCheckpoint(LlamaSource.huggingFace(directory: directory))
    }

    static func huggingFaceConfig(_ json: [String: Any], file: String) throws -> LlamaConfig {
        let type = json["model_type"] as? String ?? "(none)"
        guard type == "llama" else { throw ModelIOError(file: file,
                                                        "model_type \(type) is not supported (Prune reads llama)") }
        func int(_ key: String) throws -> Int {
            guard let v = (json[key] as? NSNumber)?.intValue else { throw ModelIOError(file: file,
                                                                                       "no integer \"\(key)\"") }
            return v
        }
        let hidden = try int("hidden_size"), heads = try int("num_attention_heads")
        return LlamaConfig(vocabularySize: try int("vocab_size"), hiddenSize: hidden,
                           intermediateSize: try int("intermediate_size"), layerCount: try int("num_hidden_layers"),
                           headCount: heads,
                           keyValueHeadCount: (json["num_key_value_heads"] as? NSNumber)?.intValue ?? heads,
                           headSize: (json["head_dim"] as? NSNumber)?.intValue ?? hidden / max(heads, 1),
                           ropeTheta: (json["rope_theta"] as? NSNumber)?.doubleValue ?? 10_000,
                           rmsNormEpsilon: (json["rms_norm_eps"] as? NSNumber)?.floatValue ?? 1e-6,
                           contextLength: (json["max_position_embeddings"] as? NSNumber)?.intValue ?? 2048,
                           tiedEmbeddings: json["tie_word_embeddings"] as? Bool ?? false,
                           bos: (json["bos_token_id"] as? NSNumber)?.intValue,
                           eos: (json["eos_token_id"] as? NSNumber)?.intValue)
    }

    /// The `config.json` of a model (transformers' `LlamaConfig` keys).
    static func huggingFaceConfigJSON(_ m: LlamaModel) -> [String: Any] {
        let c = m.config
        let biases = HuggingFaceBiases(model: m)
        var json: [String: Any] = [
            "architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": c.vocabularySize,
            "hidden_size": c.hiddenSize, "intermediate_size": c.intermediateSize, "num_hidden_layers": m.layers.count,
            "num_attention_heads": c.headCount, "num_key_value_heads": c.keyValueHeadCount, "head_dim": c.headSize,
            "rope_theta": c.ropeTheta, "rms_norm_eps": Double(c.rmsNormEpsilon),
            "max_position_embeddings": c.contextLength,
            "tie_word_embeddings": c.tiedEmbeddings, "hidden_act": "silu",
            "attention_bias": biases.attention, "mlp_bias": biases.mlp,
            "torch_dtype": "float32", "initializer_range": 0.02, "pretraining_tp": 1, "use_cache": true,
        ]
        if let b = c.bos { json["bos_token_id"] = b }
        if let e = c.eos { json["eos_token_id"] = e }
        return json
    }

    /// Writes a Hugging Face folder (`config.json`, `model.safetensors`, `generation_config.json`,
    /// `tokenizer.json`, `tokenizer_config.json`) that transformers' `AutoModelForCausalLM` and
    /// `AutoTokenizer` load; written into a temporary folder and moved into place, never over the input.
    public func saveHuggingFace(to path: String, metadata: [String: String] = [:]) throws {
        guard !AtomicFile.isSamePath(path, source) else {
            throw ModelIOError(file: path, "refusing to overwrite the input model; choose another output")
        }
        try AtomicFile.checkDestination(path, folder: true)
        try Self.checkHuggingFaceLoadable(model, destination: path)
        let fm = FileManager.default
        if fm.fileExists(atPath: path) {
            let empty = (try? fm.contentsOfDirectory(atPath: path))?.isEmpty ?? false
            guard fm.fileExists(atPath: path + "/model.safetensors") || empty else {
                throw ModelIOError(file: path, "exists and is not a model folder; refusing to replace it")
            }
        }
        try AtomicFile.replaceFolder(at: path) { try writeHuggingFaceFiles(into: $0, metadata: metadata) }
    }

    func writeHuggingFaceFiles(into dir: String, metadata: [String: String]) throws {
        func json(_ object: Any, _ name: String) throws {
            try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
                .write(to: URL(fileURLWithPath: dir + "/" + name))
        }
        try json(Self.huggingFaceConfigJSON(model), "config.json")
        var generation: [String: Any] = ["_from_model_config": true]
        if let b = model.config.bos { generation["bos_token_id"] = b }
        if let e = model.config.eos { generation["eos_token_id"] = e }
        try json(generation, "generation_config.json")
        try HuggingFaceTokenizerJSON.encode(tokenizer).write(to: URL(fileURLWithPath: dir + "/tokenizer.json"))
        var tokenizerConfig: [String: Any] = ["tokenizer_class": "PreTrainedTokenizerFast", "model_max_length":
                                              model.config.contextLength, "add_bos_token": tokenizer.addsBOS]
        if let b = tokenizer.bos { tokenizerConfig["bos_token"] = tokenizer.tokens[b] }
        if let e = tokenizer.eos {
            tokenizerConfig["eos_token"] = tokenizer.tokens[e]; tokenizerConfig["pad_token"] = tokenizer.tokens[e]
        }
        try json(tokenizerConfig, "tokenizer_config.json")
        var state = model.stateDict()
        HuggingFaceBiases.addZeroBiases(to: &state, model: model)
        state.metadata = ["format": "pt"].merging(metadata) { $1 }
        try Safetensors.write(state, to: dir + "/model.safetensors")
    }
}
