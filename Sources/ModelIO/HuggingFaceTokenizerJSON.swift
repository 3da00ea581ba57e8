import Foundation
import PruneNN

/// Reads and writes the byte-level BPE tokenizers of Hugging Face `tokenizer.json` files: a
/// `BPE` model (vocab, merges as "a b" strings or pairs), added tokens (the special ones are
/// matched whole), and a pre-tokenizer that is `ByteLevel` alone (GPT-2) or a `Sequence` of
/// `Digits(individual_digits)` and `ByteLevel` (SmolLM, StarCoder).
public enum HuggingFaceTokenizerJSON {
    public static func read(_ path: String, bos: Int? = nil, eos: Int? = nil) throws -> ByteLevelBPETokenizer {
        guard let data = FileManager.default.contents(atPath: path),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelIOError(file: path, "cannot read the file as JSON")
        }
        guard let model = root["model"] as? [String: Any], model["type"] as? String == "BPE",
              let vocab = model["vocab"] as? [String: Int] else {
            throw ModelIOError(file: path,
                               "tokenizer type \(((root["model"] as? [String: Any])?["type"] as? String) ?? "?")"
                               + " is not supported (Prune reads byte-level BPE)")
        }
        var tokens = [String](repeating: "", count: (vocab.values.max() ?? -1) + 1)
        for (t, i) in vocab where i >= 0 { tokens[i] = t }
        let merges = ((model["merges"] as? [Any]) ?? []).compactMap { m -> String? in
            if let s = m as? String { return s }
            if let pair = m as? [String], pair.count == 2 { return pair[0] + " " + pair[1] }
            return nil
        }
        let added = (root["added_tokens"] as? [[String: Any]]) ?? []
        for a in added { if let id = a["id"] as? Int, let c = a["content"] as? String, id >= tokens.count {
            tokens += [String](repeating: "", count: id - tokens.count + 1); tokens[id] = c } }
        let special = added.filter { $0["special"] as? Bool ?? false }.compactMap { $0["content"] as? String }
        let pre = try preTokenizer(root["pre_tokenizer"], file: path)
        do {
            return try ByteLevelBPETokenizer(tokens: tokens, merges: merges, specialTokens: special, preTokenizer: pre,
                                             bos: bos, eos: eos, addsBOS: false)
        } catch let e as TokenizerError { throw ModelIOError(file: path, "\(e)") }
    }

    static func preTokenizer(_ json: Any?, file: String) throws -> any PreTokenizer {
        let object = json as? [String: Any]
        let type = object?["type"] as? String
        if type == "ByteLevel" { return GPT2PreTokenizer() }
        if type == "Sequence", let parts = object?["pretokenizers"] as? [[String: Any]] {
            let kinds = parts.compactMap { $0["type"] as? String }
            if kinds == ["Digits", "ByteLevel"], parts[0]["individual_digits"] as? Bool == true {
                return DigitSplitting(then: GPT2PreTokenizer())
            }
            if kinds == ["ByteLevel"] { return GPT2PreTokenizer() }
        }
        throw ModelIOError(file: file, "pre-tokenizer \(type ?? "none") is not supported (Prune reads ByteLevel and "
                           + "Digits + ByteLevel)")
    }

    /// The `tokenizer.json` text for a tokenizer (pretty-printed, sorted keys).
    public static func encode(_ t: ByteLevelBPETokenizer) throws -> Data {
        let digits = t.preTokenizer is DigitSplitting
        let byteLevel: [String: Any] = ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true,
                                        "use_regex": true]
        let pre: [String: Any] = digits ? ["type": "Sequence", "pretokenizers": [
            ["type": "Digits", "individual_digits": true], byteLevel]] : byteLevel
        let added: [[String: Any]] = t.specialTokens.compactMap { s in t.vocabulary[s].map { id in
            ["id": id, "content": s, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false,
             "special": true] } }.sorted { ($0["id"] as! Int) < ($1["id"] as! Int) }
        let root: [String: Any] = [
            "version": "1.0", "truncation": NSNull(), "padding": NSNull(), "added_tokens": added,
            "normalizer": NSNull(), "pre_tokenizer": pre,
            "post_processor": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true],
            "decoder": ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true],
            "model": ["type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": NSNull(),
                      "end_of_word_suffix": NSNull(), "fuse_unk": false, "byte_fallback": false,
                      "ignore_merges": false, "vocab": t.vocabulary, "merges": t.merges.map { $0.split(separator: " ",
                      omittingEmptySubsequences: false).map(String.init) }],
        ]
        return try JSONSerialization.data(withJSONObject: root, options: [.sortedKeys])
    }
}
