extension StrictJSON {
    /// A string literal with its escapes (including UTF-16 surrogate pairs) decoded; invalid UTF-8,
    /// raw control characters and lone surrogates are errors.
    mutating func string() throws -> String {
        try expect("\"")
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() throws {
            guard !raw.isEmpty else { return }
            guard let s = String(validating: raw, as: UTF8.self) else { throw failure("invalid UTF-8 in a string") }
            scalars.append(contentsOf: s.unicodeScalars)
            raw.removeAll(keepingCapacity: true)
        }
        while true {
            guard at < bytes.count else { throw failure("unterminated string") }
            let c = bytes[at]
            at += 1
            if c == UInt8(ascii: "\"") { try flush(); return String(scalars) }
            if c < 0x20 { throw failure("control character in a string") }
            if c != UInt8(ascii: "\\") { raw.append(c); continue }
            try flush()
            scalars.append(try escape())
        }
    }

    private mutating func escape() throws -> Unicode.Scalar {
        guard at < bytes.count else { throw failure("unterminated escape") }
        let c = bytes[at]
        at += 1
        switch c {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"): return try unicodeEscape()
        default: throw failure("invalid escape")
        }
    }

    private mutating func unicodeEscape() throws -> Unicode.Scalar {
        let high = try hex4()
        if (0xD800..<0xDC00).contains(high) {
            guard at + 1 < bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else {
                throw failure("lone UTF-16 surrogate")
            }
            at += 2
            let low = try hex4()
            guard (0xDC00..<0xE000).contains(low) else { throw failure("lone UTF-16 surrogate") }
            return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
        }
        guard let scalar = Unicode.Scalar(high) else { throw failure("lone UTF-16 surrogate") }
        return scalar
    }

    private mutating func hex4() throws -> UInt32 {
        guard at + 4 <= bytes.count, bytes[at..<at + 4].allSatisfy({ Character(Unicode.Scalar($0)).isHexDigit }),
              let v = UInt32(String(decoding: bytes[at..<at + 4], as: UTF8.self), radix: 16) else {
            throw failure("invalid \\u escape")
        }
        at += 4
        return v
    }
}
