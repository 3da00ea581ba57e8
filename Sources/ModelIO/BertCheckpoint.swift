import Foundation
import PruneTensor
import PruneNN

/// A BERT sentence encoder as stored by Hugging Face / sentence-transformers: a folder with
/// `config.json`, `model.safetensors` and `vocab.txt` (or `tokenizer.json`), as in the
/// all-MiniLM-L6-v2 checkpoint. Loading infers heads per layer and the number of layers from the
/// tensor shapes, so head- and block-pruned models written by ``save(_:to:copyingFrom:metadata:)`` load too.
public struct BertCheckpoint {
    public var model: BertModel
    public var tokenizer: WordPieceTokenizer
    public var config: BertConfig
    /// The folder it was read from.
    public var directory: String
    /// Tensors in the file that the model does not use (for example `pooler.*`); written back on save.
    public var extraTensors: [String: Tensor]

    /// Reads a checkpoint folder.
    public static func load(directory: String) throws -> BertCheckpoint {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw ModelIOError(file: directory, "not a folder; expected a BERT checkpoint folder with config.json, "
                               + "model.safetensors and vocab.txt")
        }
        let json = try configJSON(directory)
        let state = try Safetensors.read(directory + "/model.safetensors")
        let config = try readConfig(json, directory: directory, state: state)
        var rng = RandomGenerator(seed: 0)
        let model = BertModel(config: config, rng: &rng)
        try model.load(state, options: [.noMissingKeys, .shapeMismatch], file: directory + "/model.safetensors")
        for (path, p) in model.parameters() where !p.value.isFinite {
            throw ModelIOError(file: directory + "/model.safetensors", "\(path) holds NaN or infinite values")
        }
        let used = Set(model.parameters().map(\.path))
        let extras = state.tensors.filter { !used.contains($0.key) && $0.key != "embeddings.position_ids" }
        let tokenizer = try readTokenizer(directory, maxPositions: config.maxPositions)
        return BertCheckpoint(model: model, tokenizer: tokenizer, config: config, directory: directory,
                              extraTensors: extras)
    }

    /// `config.json` as a JSON object, checked to describe a BERT model.
    static func configJSON(_ directory: String) throws -> [String: Any] {
        let configPath = directory + "/config.json"
        guard let data = FileManager.default.contents(atPath: configPath),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelIOError(file: configPath, "missing or not a JSON object")
        }
        if let type = json["model_type"] as? String, type != "bert" {
            throw ModelIOError(file: configPath, "model_type \"\(type)\" is not supported (only \"bert\")")
        }
        for key in ["hidden_size", "num_attention_heads"] where (json[key] as? NSNumber)?.intValue == nil {
            throw ModelIOError(file: configPath, "no integer \"\(key)\"")
        }
        return json
    }

    /// The configuration, with the heads of every layer read from the query weights' rows (a pruned
    /// checkpoint can have fewer heads in some layers).
    static func readConfig(_ json: [String: Any], directory: String, state: StateDict) throws -> BertConfig {
        let configPath = directory + "/config.json"
        func int(_ key: String) throws -> Int {
            guard let v = (json[key] as? NSNumber)?.intValue else { throw ModelIOError(file: configPath,
                                                                                       "no integer \"\(key)\"") }
            return v
        }
        let hidden = try int("hidden_size"), heads = try int("num_attention_heads")
        let headSize = (json["prune_head_size"] as? NSNumber)?.intValue ?? hidden / Swift.max(heads, 1)
        var layerCount = 0
        while state["encoder.layer.\(layerCount).attention.self.query.weight"] != nil { layerCount += 1 }
        guard layerCount > 0 else {
            throw ModelIOError(file: directory + "/model.safetensors",
                               "no encoder.layer.0.attention.self.query.weight: not a BERT checkpoint")
        }
        let headsPerLayer = try (0..<layerCount).map { i -> Int in
            let rows = state["encoder.layer.\(i).attention.self.query.weight"]!.shape[0]
            guard rows % headSize == 0 else {
                throw ModelIOError(file: directory,
                                   "layer \(i): query has \(rows) rows, not a multiple of the head size \(headSize)")
            }
            return rows / headSize
        }
        return BertConfig(vocabularySize: try int("vocab_size"), hiddenSize: hidden,
                          intermediateSize: try int("intermediate_size"),
                          maxPositions: try int("max_position_embeddings"),
                          typeVocabularySize: (json["type_vocab_size"] as? NSNumber)?.intValue ?? 2,
                          headSize: headSize, headsPerLayer: headsPerLayer,
                          layerNormEpsilon: (json["layer_norm_eps"] as? NSNumber)?.floatValue ?? 1e-12)
    }

    /// The WordPiece tokenizer: `vocab.txt` (with `tokenizer_config.json`'s lowercasing) or `tokenizer.json`,
    /// cut at sentence-transformers' `max_seq_length` (256 when absent) and the position table.
    static func readTokenizer(_ directory: String, maxPositions: Int) throws -> WordPieceTokenizer {
        let fm = FileManager.default
        func json(_ file: String) -> [String: Any]? {
            fm.contents(atPath: directory + "/" + file).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        }
        let maxLength = Swift.min((json("sentence_bert_config.json")?["max_seq_length"] as? NSNumber)?.intValue ?? 256,
                                  maxPositions)
        guard fm.fileExists(atPath: directory + "/vocab.txt") else {
            return try WordPieceTokenizer(tokenizerJSON: directory + "/tokenizer.json", maxLength: maxLength)
        }
        let lowercase = json("tokenizer_config.json")?["do_lower_case"] as? Bool ?? true
        return try WordPieceTokenizer(vocabularyFile: directory + "/vocab.txt", lowercase: lowercase,
                                      maxLength: maxLength)
    }

    /// Writes `model` as a checkpoint folder at `path`: the other files of the source folder are
    /// copied, `config.json` records the new layer count (and `prune_heads_per_layer` when heads
    /// were removed), `model.safetensors` holds the weights. The folder is built beside `path` and
    /// renamed into place, so a failure leaves nothing half-written; `path` must not be the source.
    public func save(_ model: BertModel, to path: String, metadata: [String: String] = [:]) throws {
        let fm = FileManager.default
        let src = URL(fileURLWithPath: directory).standardizedFileURL.path
        let dst = URL(fileURLWithPath: path).standardizedFileURL.path
        guard src != dst else { throw ModelIOError(file: path,
                                                   "refusing to overwrite the input model folder; choose another --out") }
        if fm.fileExists(atPath: dst) {
            guard fm.fileExists(atPath: dst + "/model.safetensors") || ((try? fm.contentsOfDirectory(atPath: dst))?.isEmpty ?? false) else {
                throw ModelIOError(file: path, "exists and is not a model folder; refusing to replace it")
            }
        }
        try AtomicFile.checkDestination(dst, folder: true)
        try AtomicFile.replaceFolder(at: dst, display: path) { tmp in
            for item in try fm.contentsOfDirectory(atPath: src) where item != "model.safetensors" && item != "config.json" && !item.hasPrefix(".") {
                try fm.copyItem(atPath: src + "/" + item, toPath: tmp + "/" + item)
            }
            var json = (try? JSONSerialization.jsonObject(with: fm.contents(atPath: src + "/config.json") ?? Data()) as? [String: Any]) ?? [:]
            json["num_hidden_layers"] = model.layers.count
            let heads = model.headsPerLayer
            if heads.contains(where: { $0 != config.hiddenSize / config.headSize }) {
                json["prune_heads_per_layer"] = heads
                json["prune_head_size"] = config.headSize
            }
            let configData = try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
            try configData.write(to: URL(fileURLWithPath: tmp + "/config.json"))
            var state = model.stateDict()
            for (k, v) in extraTensors { state.tensors[k] = v }
            state.metadata = ["format": "pt"].merging(metadata) { $1 }
            try Safetensors.write(state, to: tmp + "/model.safetensors")
        }
    }
}
