/// Splits text into the pieces BPE merges inside (merges never cross a piece boundary). A new
/// pre-tokenizer is one conforming type registered in ``PreTokenizers``.
public protocol PreTokenizer: Sendable {
    func pieces(_ text: Substring) -> [Substring]
}

/// The pre-tokenizers by the names GGUF files give them (`tokenizer.ggml.pre`, as llama.cpp names
/// them) and Hugging Face `tokenizer.json` describes.
public enum PreTokenizers {
    static let byName: [String: @Sendable () -> any PreTokenizer] = [
        "gpt2": { GPT2PreTokenizer() }, "gpt-2": { GPT2PreTokenizer() }, "default": { GPT2PreTokenizer() },
        "smollm": { DigitSplitting(then: GPT2PreTokenizer()) },
        "starcoder": { DigitSplitting(then: GPT2PreTokenizer()) },
        "refact": { DigitSplitting(then: GPT2PreTokenizer()) },
    ]

    public static var names: [String] { byName.keys.sorted() }

    /// The pre-tokenizer `name`, or nil when Prune does not implement it.
    public static func named(_ name: String) -> (any PreTokenizer)? { byName[name.lowercased()]?() }
}

/// Unicode classes as the `\p{L}`, `\p{N}` and `\s` of the GPT-2 pattern.
enum CharacterClass {
    static func isLetter(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    static func isNumber(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    static func isSpace(_ s: Unicode.Scalar) -> Bool { s.properties.isWhitespace }
}

/// Hugging Face's `Digits(individual_digits: true)` before another pre-tokenizer: every number
/// character is a piece of its own.
public struct DigitSplitting: PreTokenizer {
    public let then: any PreTokenizer
    public init(then: any PreTokenizer) { self.then = then }

    public func pieces(_ text: Substring) -> [Substring] {
        var out: [Substring] = []
        var start = text.startIndex, i = text.startIndex
        while i < text.endIndex {
            let next = text.unicodeScalars.index(after: i)
            if CharacterClass.isNumber(text.unicodeScalars[i]) {
                if start < i { out += then.pieces(text[start..<i]) }
                out.append(text[i..<next])
                start = next
            }
            i = next
        }
        if start < text.endIndex { out += then.pieces(text[start..<text.endIndex]) }
        return out
    }
}
