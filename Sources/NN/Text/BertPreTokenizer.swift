import Foundation

/// The "basic" tokenizer that BERT runs before WordPiece: removes control characters, puts spaces
/// around CJK ideographs, optionally lower-cases and strips accents (NFD, then drops combining
/// marks), and splits on whitespace and punctuation. Devlin et al., "BERT", NAACL 2019 (the
/// reference `BasicTokenizer` of google-research/bert).
public struct BertPreTokenizer: Sendable {
    public var lowercase: Bool
    public var stripAccents: Bool

    /// `stripAccents` defaults to `lowercase`, as in the reference tokenizer.
    public init(lowercase: Bool = true, stripAccents: Bool? = nil) {
        self.lowercase = lowercase
        self.stripAccents = stripAccents ?? lowercase
    }

    /// Splits `text` into words and punctuation marks.
    public func split(_ text: String) -> [String] {
        var cleaned = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if s.value == 0 || s.value == 0xFFFD || Self.isControl(s) { continue }
            if Self.isWhitespace(s) { cleaned.append(" ") }
            else if Self.isCJK(s) { cleaned.append(" "); cleaned.append(s); cleaned.append(" ") }
            else { cleaned.append(s) }
        }
        var words: [String] = []
        for raw in String(cleaned).split(separator: " ", omittingEmptySubsequences: true) {
            var word = String(raw)
            if lowercase { word = word.lowercased() }
            if stripAccents {
                var kept = String.UnicodeScalarView()
                for s in word.decomposedStringWithCanonicalMapping.unicodeScalars
                where s.properties.generalCategory != .nonspacingMark { kept.append(s) }
                word = String(kept)
            }
            var current = String.UnicodeScalarView()
            for s in word.unicodeScalars {
                if Self.isPunctuation(s) {
                    if !current.isEmpty { words.append(String(current)); current = String.UnicodeScalarView() }
                    words.append(String(s))
                } else {
                    current.append(s)
                }
            }
            if !current.isEmpty { words.append(String(current)) }
        }
        return words
    }

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        if s == " " || s == "\t" || s == "\n" || s == "\r" { return true }
        return s.properties.generalCategory == .spaceSeparator
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format: return true
        default: return false
        }
    }

    /// ASCII non-alphanumeric symbols count as punctuation (as in BERT), plus Unicode P* categories.
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    static func isCJK(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        return (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B820...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }
}
