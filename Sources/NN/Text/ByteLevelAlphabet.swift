/// GPT-2's reversible byte-to-character table (Radford et al. 2019, `bytes_to_unicode`): the
/// printable Latin-1 bytes stand for themselves, the other 68 map to U+0100 onwards, so every
/// byte string is a string of visible characters and BPE never sees a raw control byte.
public enum ByteLevelAlphabet {
    public static let characters: [Character] = {
        var printable = Array(33...126) + Array(161...172) + Array(174...255)
        var codes = printable
        var next = 0
        for b in 0..<256 where !printable.contains(b) {
            printable.append(b); codes.append(256 + next); next += 1
        }
        var table = [Character](repeating: " ", count: 256)
        for (b, c) in zip(printable, codes) { table[b] = Character(Unicode.Scalar(UInt32(c))!) }
        return table
    }()

    public static let bytes: [Character: UInt8] = Dictionary(uniqueKeysWithValues:
        characters.enumerated().map { ($0.element, UInt8($0.offset)) })

    /// The characters standing for the UTF-8 bytes of `text`.
    public static func encode(_ text: Substring) -> [Character] { text.utf8.map { characters[Int($0)] } }

    /// The bytes a string of byte-level characters stands for (characters outside the table are
    /// kept as their own UTF-8).
    public static func decode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for c in text {
            if let b = bytes[c] { out.append(b) } else { out.append(contentsOf: Array(String(c).utf8)) }
        }
        return out
    }
}
