/// GPT-2's pre-tokenization pattern (Radford et al. 2019), as Hugging Face's `ByteLevel`
/// pre-tokenizer applies it:
/// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
/// matched here by a hand-written scanner over Unicode scalars (no regex engine), trying the
/// alternatives in the pattern's order at each position.
public struct GPT2PreTokenizer: PreTokenizer {
    public init() {}

    public func pieces(_ text: Substring) -> [Substring] {
        let scalars = Array(text.unicodeScalars)
        var indices: [String.Index] = []
        indices.reserveCapacity(scalars.count + 1)
        var i = text.startIndex
        while i < text.endIndex { indices.append(i); i = text.unicodeScalars.index(after: i) }
        indices.append(text.endIndex)
        var out: [Substring] = []
        var p = 0
        while p < scalars.count {
            let length = Self.match(scalars, at: p)
            out.append(text[indices[p]..<indices[p + length]])
            p += length
        }
        return out
    }

    static let contractions: [[Unicode.Scalar]] = ["s", "t", "re", "ve", "m", "ll",
                                                   "d"].map { Array($0.unicodeScalars) }

    /// The length of the match at `p` (always ≥ 1).
    static func match(_ s: [Unicode.Scalar], at p: Int) -> Int {
        if s[p] == "'" {
            for c in contractions where p + c.count < s.count && Array(s[(p + 1)...(p + c.count)]) == c {
                return 1 + c.count
            }
        }
        let spaced = s[p] == " " && p + 1 < s.count ? 1 : 0
        let head = s[p + spaced]
        if CharacterClass.isLetter(head) { return spaced + run(s, from: p + spaced, CharacterClass.isLetter) }
        if CharacterClass.isNumber(head) { return spaced + run(s, from: p + spaced, CharacterClass.isNumber) }
        if !CharacterClass.isSpace(head) { return spaced + run(s, from: p + spaced, isOther) }
        let spaces = run(s, from: p, CharacterClass.isSpace)
        if p + spaces == s.count || spaces == 1 { return spaces }
        return spaces - 1
    }

    static func isOther(_ c: Unicode.Scalar) -> Bool {
        !CharacterClass.isSpace(c) && !CharacterClass.isLetter(c) && !CharacterClass.isNumber(c)
    }

    static func run(_ s: [Unicode.Scalar], from p: Int, _ test: (Unicode.Scalar) -> Bool) -> Int {
        var q = p
        while q < s.count && test(s[q]) { q += 1 }
        return q - p
    }
}
