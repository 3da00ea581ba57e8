import Foundation

/// Errors raised when reading a tokenizer vocabulary.
public enum TokenizerError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case missingToken(String, path: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): return "cannot read tokenizer vocabulary \(path): \(reason)"
        case let .missingToken(t, path): return "tokenizer vocabulary \(path) has no \(t) token"
        }
    }
}

/// A batch of token sequences padded to one length, ready for a BERT encoder.
public struct TokenBatch: Sendable {
    /// Token ids, `count × length`, row-major; padding is the `[PAD]` id.
    public var ids: [Int]
    /// 1 for real tokens, 0 for padding; same layout as `ids`.
    public var attentionMask: [Int]
    public var count: Int
    public var length: Int
}

/// WordPiece tokenization as BERT uses it: the basic pre-tokenizer, then greedy longest-match-first
/// sub-words with a `##` continuation prefix; a word with no decomposition (or longer than 100
/// characters) becomes `[UNK]`. Schuster & Nakajima 2012; Wu et al. 2016; Devlin et al. 2019.
public struct WordPieceTokenizer: Sendable {
    public let vocabulary: [String: Int]
    public let preTokenizer: BertPreTokenizer
    public let unknownID: Int, clsID: Int, sepID: Int, padID: Int
    /// The longest sequence (special tokens included) that ``encode(_:)`` produces.
    public var maxLength: Int
    public var maxCharactersPerWord = 100

    /// A tokenizer over `tokens` (index = id).
    public init(tokens: [String], lowercase: Bool = true, maxLength: Int = 256,
                source: String = "<vocabulary>") throws {
        var vocab: [String: Int] = [:]
        for (i, t) in tokens.enumerated() where vocab[t] == nil { vocab[t] = i }
        func id(_ t: String) throws -> Int {
            guard let i = vocab[t] else { throw TokenizerError.missingToken(t, path: source) }
            return i
        }
        vocabulary = vocab
        preTokenizer = BertPreTokenizer(lowercase: lowercase)
        unknownID = try id("[UNK]"); clsID = try id("[CLS]"); sepID = try id("[SEP]"); padID = try id("[PAD]")
        self.maxLength = maxLength
    }

    /// Reads `vocab.txt` (one token per line).
    public init(vocabularyFile path: String, lowercase: Bool = true, maxLength: Int = 256) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw TokenizerError.unreadable(path: path, reason: "missing or not UTF-8")
        }
        var lines = text.components(separatedBy: "\n").map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }
        if lines.last == "" { lines.removeLast() }
        guard !lines.isEmpty else { throw TokenizerError.unreadable(path: path, reason: "empty file") }
        try self.init(tokens: lines, lowercase: lowercase, maxLength: maxLength, source: path)
    }

    /// Reads the WordPiece vocabulary from a Hugging Face `tokenizer.json`.
    public init(tokenizerJSON path: String, maxLength: Int = 256) throws {
        guard let data = FileManager.default.contents(atPath: path),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TokenizerError.unreadable(path: path, reason: "missing or not JSON")
        }
        guard let model = root["model"] as? [String: Any], let vocab = model["vocab"] as? [String: Any] else {
            throw TokenizerError.unreadable(path: path, reason: "no model.vocab object (not a WordPiece tokenizer)")
        }
        var tokens = [String](repeating: "", count: vocab.count)
        for (t, v) in vocab {
            guard let i = (v as? NSNumber)?.intValue, i >= 0, i < tokens.count else {
                throw TokenizerError.unreadable(path: path, reason: "token \(t) has an invalid id")
            }
            tokens[i] = t
        }
        let normalizer = root["normalizer"] as? [String: Any]
        let lowercase = (normalizer?["lowercase"] as? Bool) ?? true
        try self.init(tokens: tokens, lowercase: lowercase, maxLength: maxLength, source: path)
    }

    /// The WordPiece ids of `text`, without special tokens.
    public func tokenize(_ text: String) -> [Int] {
        var ids: [Int] = []
        for word in preTokenizer.split(text) {
            let chars = Array(word.unicodeScalars)
            if chars.count > maxCharactersPerWord { ids.append(unknownID); continue }
            var pieces: [Int] = []
            var start = 0
            var failed = false
            while start < chars.count {
                var end = chars.count
                var found: Int? = nil
                while start < end {
                    var piece = String(String.UnicodeScalarView(chars[start..<end]))
                    if start > 0 { piece = "##" + piece }
                    if let id = vocabulary[piece] { found = id; break }
                    end -= 1
                }
                guard let id = found else { failed = true; break }
                pieces.append(id)
                start = end
            }
            if failed { ids.append(unknownID) } else { ids.append(contentsOf: pieces) }
        }
        return ids
    }

    /// `[CLS] tokens [SEP]`, truncated to ``maxLength``.
    public func encode(_ text: String) -> [Int] {
        [clsID] + tokenize(text).prefix(Swift.max(maxLength - 2, 0)) + [sepID]
    }

    /// Encodes and pads a batch to its longest sequence.
    public func encodeBatch(_ texts: [String]) -> TokenBatch { pad(texts.map(encode)) }

    /// Pads already encoded sequences to the longest one.
    public func pad(_ seqs: [[Int]]) -> TokenBatch {
        let length = seqs.map(\.count).max() ?? 0
        var ids = [Int](repeating: padID, count: seqs.count * length)
        var mask = [Int](repeating: 0, count: seqs.count * length)
        for (i, s) in seqs.enumerated() {
            for (j, t) in s.enumerated() { ids[i * length + j] = t; mask[i * length + j] = 1 }
        }
        return TokenBatch(ids: ids, attentionMask: mask, count: seqs.count, length: length)
    }
}
