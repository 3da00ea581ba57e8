import Foundation

/// Byte-level BPE (Sennrich et al. 2016; Radford et al. 2019, GPT-2), the tokenizer of Llama-3,
/// SmolLM, Qwen and most decoders: special tokens are matched first, the rest is split by a
/// ``PreTokenizer``, each piece's UTF-8 bytes become ``ByteLevelAlphabet`` characters, and
/// adjacent symbols are merged by rank (lowest first) until no merge applies. Token ids equal
/// Hugging Face `tokenizers`' for the same vocabulary, merges and pre-tokenizer.
public final class ByteLevelBPETokenizer: @unchecked Sendable {
    public let tokens: [String]
    public let vocabulary: [String: Int]
    /// Special tokens (matched whole in the raw text, never split), longest first.
    public let specialTokens: [String]
    public let preTokenizer: any PreTokenizer
    public let bos: Int?, eos: Int?
    /// Whether `encode` puts the BOS token first by default.
    public let addsBOS: Bool
    /// The merges in rank order, `"left right"`.
    public let merges: [String]
    /// (left id, right id) → (rank, merged id).
    private let mergeTable: [Int64: (rank: Int, merged: Int)]
    private let byteIDs: [Int]
    private var cache: [Substring: [Int]] = [:]
    private let lock = NSLock()

    public init(tokens: [String], merges: [String], specialTokens: [String], preTokenizer: any PreTokenizer,
                bos: Int?, eos: Int?, addsBOS: Bool) throws {
        self.tokens = tokens
        let vocabulary = Dictionary(tokens.enumerated().map { ($0.element, $0.offset) },
                                    uniquingKeysWith: { a, _ in a })
        self.vocabulary = vocabulary
        self.specialTokens = specialTokens.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
        self.preTokenizer = preTokenizer
        self.bos = bos; self.eos = eos; self.addsBOS = addsBOS
        // A byte without a token is dropped, as Hugging Face's BPE does without an unknown token.
        byteIDs = ByteLevelAlphabet.characters.map { vocabulary[String($0)] ?? -1 }
        self.merges = merges
        mergeTable = try Self.mergeTable(merges, vocabulary: vocabulary)
    }

    static func key(_ a: Int, _ b: Int) -> Int64 { Int64(a) << 32 | Int64(b) }

    static func mergeTable(_ merges: [String], vocabulary: [String: Int]) throws -> [Int64: (rank: Int, merged: Int)] {
        var table: [Int64: (rank: Int, merged: Int)] = [:]
        table.reserveCapacity(merges.count)
        for (rank, m) in merges.enumerated() {
            let parts = m.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, let a = vocabulary[String(parts[0])], let b = vocabulary[String(parts[1])],
                  let merged = vocabulary[String(parts[0]) + String(parts[1])] else {
                throw TokenizerError.unreadable(path: "BPE merges",
                                                reason: "merge \(rank) \"\(m)\" names tokens not in the vocabulary")
            }
            let k = key(a, b)
            if table[k] == nil { table[k] = (rank, merged) }
        }
        return table
    }

    /// Token ids of `text`; `addBOS` defaults to the tokenizer's own setting.
    public func encode(_ text: String, addBOS: Bool? = nil) -> [Int] {
        var ids: [Int] = []
        if addBOS ?? addsBOS, let bos { ids.append(bos) }
        for (segment, special) in splitSpecial(text[...]) {
            if special { ids.append(vocabulary[String(segment)]!); continue }
            for piece in preTokenizer.pieces(segment) { ids += encodePiece(piece) }
        }
        return ids
    }

    /// The text of token ids (bytes that do not form UTF-8 become U+FFFD).
    public func decode(_ ids: [Int]) -> String {
        var bytes: [UInt8] = []
        for id in ids where tokens.indices.contains(id) {
            if specialTokens.contains(tokens[id]) { bytes += Array(tokens[id].utf8); continue }
            bytes += ByteLevelAlphabet.decode(tokens[id])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The text cut at special tokens: (segment, is it a special token).
    func splitSpecial(_ text: Substring) -> [(Substring, Bool)] {
        guard !specialTokens.isEmpty else { return [(text, false)] }
        var out: [(Substring, Bool)] = []
        var rest = text
        while !rest.isEmpty {
            var best: Range<Substring.Index>?
            for s in specialTokens {
                guard let r = rest.range(of: s) else { continue }
                if best == nil || r.lowerBound < best!.lowerBound { best = r }
            }
            guard let hit = best else { out.append((rest, false)); break }
            if hit.lowerBound > rest.startIndex { out.append((rest[..<hit.lowerBound], false)) }
            out.append((rest[hit], true))
            rest = rest[hit.upperBound...]
        }
        return out
    }

    func encodePiece(_ piece: Substring) -> [Int] {
        lock.lock()
        if let hit = cache[piece] { lock.unlock(); return hit }
        lock.unlock()
        var symbols = piece.utf8.compactMap { byteIDs[Int($0)] >= 0 ? byteIDs[Int($0)] : nil }
        while symbols.count > 1 {
            var best = -1, bestRank = Int.max, merged = 0
            for i in 0..<(symbols.count - 1) {
                if let m = mergeTable[Self.key(symbols[i], symbols[i + 1])], m.rank < bestRank {
                    best = i; bestRank = m.rank; merged = m.merged
                }
            }
            guard best >= 0 else { break }
            symbols[best] = merged
            symbols.remove(at: best + 1)
        }
        lock.lock()
        if cache.count < 1 << 18 { cache[piece] = symbols }
        lock.unlock()
        return symbols
    }
}
