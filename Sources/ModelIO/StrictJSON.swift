/// A JSON value read by ``StrictJSON``: objects keep their key order, numbers keep their text so a
/// reader can tell `3` from `3.0` or `3e0`.
public indirect enum JSONValue: Equatable, Sendable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)): x.map(\.key) == y.map(\.key) && x.map(\.value) == y.map(\.value)
        case (.array(let x), .array(let y)): x == y
        case (.string(let x), .string(let y)), (.number(let x), .number(let y)): x == y
        case (.bool(let x), .bool(let y)): x == y
        case (.null, .null): true
        default: false
        }
    }

    /// The value as an integer: only a number written without fraction or exponent that fits in Int.
    public var integer: Int? {
        guard case .number(let text) = self else { return nil }
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var array: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var object: [(key: String, value: JSONValue)]? { if case .object(let o) = self { o } else { nil } }

    /// The value of `key` in an object.
    public subscript(key: String) -> JSONValue? { object?.first { $0.key == key }?.value }
}

/// A strict RFC 8259 JSON reader for headers of binary formats: it rejects duplicate keys (which
/// Foundation's reader resolves silently, last one wins), nesting deeper than `maxDepth`, and
/// trailing bytes; errors give the byte offset.
public struct StrictJSON {
    let bytes: [UInt8]
    var at = 0
    private let maxDepth: Int

    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        public let offset: Int
        public var description: String { "\(message) at byte \(offset)" }
    }

    public static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws -> JSONValue {
        var reader = StrictJSON(bytes: bytes, maxDepth: maxDepth)
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.at == bytes.count else { throw reader.failure("unexpected bytes after the JSON value") }
        return value
    }

    private init(bytes: [UInt8], maxDepth: Int) { self.bytes = bytes; self.maxDepth = maxDepth }

    func failure(_ message: String) -> Failure { Failure(message: message, offset: at) }

    private mutating func skipSpace() {
        while at < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[at]) { at += 1 }
    }

    private mutating func value(depth: Int) throws -> JSONValue {
        guard depth <= maxDepth else { throw failure("nested deeper than \(maxDepth) levels") }
        guard at < bytes.count else { throw failure("unexpected end") }
        switch bytes[at] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return .number(try number())
        }
    }

    private mutating func literal(_ word: String) throws {
        let w = Array(word.utf8)
        guard at + w.count <= bytes.count, Array(bytes[at..<at + w.count]) == w else {
            throw failure("invalid literal")
        }
        at += w.count
    }

    mutating func expect(_ c: Character) throws {
        guard at < bytes.count, bytes[at] == c.asciiValue! else { throw failure("expected '\(c)'") }
        at += 1
    }

    private mutating func object(depth: Int) throws -> JSONValue {
        try expect("{")
        var members: [(key: String, value: JSONValue)] = []
        var seen = Set<String>()
        skipSpace()
        if at < bytes.count, bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
        while true {
            skipSpace()
            let keyOffset = at
            let key = try string()
            guard seen.insert(key).inserted else {
                throw Failure(message: "duplicate key \"\(key.prefix(80))\"", offset: keyOffset)
            }
            skipSpace(); try expect(":"); skipSpace()
            members.append((key, try value(depth: depth + 1)))
            skipSpace()
            guard at < bytes.count else { throw failure("unexpected end inside an object") }
            if bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
            try expect(",")
        }
    }

    private mutating func array(depth: Int) throws -> JSONValue {
        try expect("[")
        var items: [JSONValue] = []
        skipSpace()
        if at < bytes.count, bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
        while true {
            skipSpace()
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard at < bytes.count else { throw failure("unexpected end inside an array") }
            if bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
            try expect(",")
        }
    }

    private mutating func number() throws -> String {
        let start = at
        func digits() -> Int {
            let s = at
            while at < bytes.count, (0x30...0x39).contains(bytes[at]) { at += 1 }
            return at - s
        }
        if at < bytes.count, bytes[at] == UInt8(ascii: "-") { at += 1 }
        guard digits() > 0 else { throw failure("invalid number") }
        if at < bytes.count, bytes[at] == UInt8(ascii: ".") {
            at += 1
            guard digits() > 0 else { throw failure("invalid number") }
        }
        if at < bytes.count, bytes[at] | 0x20 == UInt8(ascii: "e") {
            at += 1
            if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
            guard digits() > 0 else { throw failure("invalid number") }
        }
        return String(decoding: bytes[start..<at], as: UTF8.self)
    }
}
