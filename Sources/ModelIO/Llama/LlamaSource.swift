import Foundation
import PruneTensor
import PruneNN

/// A Llama checkpoint opened for reading one tensor at a time: a memory-mapped GGUF file (query and
/// key rows put back in transformers' order) or the `model.safetensors` of a Hugging Face folder
/// (mapped too). Opening reads the configuration, tokenizer and metadata; every tensor is decoded to
/// Float32, by its Hugging Face name, only when asked for — by ``LlamaCheckpoint/load(_:)`` for the
/// whole model, or by ``StreamedLlamaModel`` one block at a time.
public struct LlamaSource: @unchecked Sendable {
    public let path: String
    public let config: LlamaConfig
    public let tokenizer: ByteLevelBPETokenizer
    /// The GGUF metadata when the source is a GGUF file (kept for a GGUF export).
    public let ggufMetadata: [(key: String, value: GGUFValue)]
    /// The tensor file named in errors.
    let tensorFile: String
    let tensor: (String) throws -> Tensor?

    /// Opens `path`: a `.gguf` file or a Hugging Face folder.
    public static func open(_ path: String) throws -> LlamaSource {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelIOError(file: path, "no such file or folder")
        }
        return isDirectory.boolValue ? try huggingFace(directory: path) : try gguf(GGUFFile(path: path))
    }

    /// An open GGUF file of architecture `llama`.
    public static func gguf(_ file: GGUFFile) throws -> LlamaSource {
        let config = try LlamaCheckpoint.ggufConfig(file)
        let tokenizer = try file.tokenizer()
        try config.validate()
        let headSize = config.headSize
        return LlamaSource(path: file.path, config: config, tokenizer: tokenizer,
                           ggufMetadata: file.metadata, tensorFile: file.path) { name in
            guard let info = file.info(LlamaCheckpoint.ggufName(name)) else { return nil }
            let t = try file.decode(info)
            guard RotaryRows.applies(to: name) else { return t }
            // Interleaved rows, head by head: the head count is the row count over the head size.
            return try RotaryRows.fromInterleaved(t, heads: max(t.shape[0] / headSize, 1))
        }
    }

    /// A Hugging Face folder: `config.json` (`model_type` llama), `model.safetensors`, `tokenizer.json`.
    public static func huggingFace(directory: String) throws -> LlamaSource {
        let configPath = directory + "/config.json"
        guard let data = FileManager.default.contents(atPath: configPath),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelIOError(file: configPath, "missing or not a JSON object")
        }
        let config = try LlamaCheckpoint.huggingFaceConfig(json, file: configPath)
        let weights = try SafetensorsFile(path: directory + "/model.safetensors")
        let tokenizer = try HuggingFaceTokenizerJSON.read(directory + "/tokenizer.json", bos: config.bos,
                                                          eos: config.eos)
        try config.validate()
        return LlamaSource(path: directory, config: config, tokenizer: tokenizer, ggufMetadata: [],
                           tensorFile: weights.path) { try weights.tensor($0) }
    }

    /// Builds parts of the model from this source, checking shapes and finiteness.
    var reader: LlamaTensorReader { LlamaTensorReader(config: config, file: tensorFile, tensor: tensor) }

    /// The whole model in memory.
    public func model() throws -> LlamaModel {
        let r = reader
        return try r.model(blocks: (0..<config.layerCount).map { try r.block($0) })
    }

    /// Block `i` alone.
    public func block(_ i: Int) throws -> LlamaBlock {
        guard i >= 0, i < config.layerCount else {
            throw ModelIOError(file: tensorFile, "no block \(i) (the model has \(config.layerCount))")
        }
        return try reader.block(i)
    }
}
