import PruneTensor

/// Seeded, structure-aware mutations: besides flipped, inserted, deleted and truncated bytes, it
/// rewrites the places where formats keep sizes — runs of digits in text formats, aligned 4- and
/// 8-byte little- and big-endian integers in binary ones — with the values that break careless
/// arithmetic (0, −1, 2^31, 2^32 − 1, 2^63 − 1, huge, fractional, NaN).
public struct SizeFieldMutator {
    public var rng: RandomGenerator
    public let encoding: SizeFieldEncoding

    public init(seed: UInt64, encoding: SizeFieldEncoding) {
        rng = RandomGenerator(seed: seed)
        self.encoding = encoding
    }

    static let textValues = ["0", "-1", "1", "2147483648", "4294967295", "4294967296", "9223372036854775807",
                             "18446744073709551616", "99999999999999999999999", "2.5", "1e308", "-0", "NaN",
                             "65536", "1099511627776"]
    static let binaryValues: [UInt64] = [0, 1, 0xFFFF_FFFF, 0x8000_0000, 0x7FFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF,
                                         0x7FFF_FFFF_FFFF_FFFF, 1 << 40, 1 << 32, 65536]

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(rng.next() % UInt64(n)) }

    /// One to four mutations of `input`, a size-field rewrite half of the time.
    public mutating func mutate(_ input: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + below(4)) {
            if below(2) == 0 { rewriteSizeField(&bytes) } else { mutateBytes(&bytes) }
        }
        return bytes
    }

    mutating func mutateBytes(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { bytes = [UInt8(truncatingIfNeeded: rng.next())]; return }
        let at = below(bytes.count)
        switch below(5) {
        case 0: bytes[at] ^= UInt8(1 << below(8))
        case 1: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
        case 2: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
        case 3: bytes.removeSubrange(at..<min(bytes.count, at + 1 + below(16)))
        default: bytes = Array(bytes.prefix(at))
        }
    }

    mutating func rewriteSizeField(_ bytes: inout [UInt8]) {
        switch encoding {
        case .text: rewriteDigits(&bytes)
        case .binary: rewriteInteger(&bytes)
        }
    }

    /// Replaces one run of ASCII digits (a number in JSON, YAML or CSV) with an extreme value.
    mutating func rewriteDigits(_ bytes: inout [UInt8]) {
        func isDigit(_ i: Int) -> Bool { (0x30...0x39).contains(bytes[i]) }
        let starts = bytes.indices.filter { isDigit($0) && ($0 == 0 || !isDigit($0 - 1)) }
        guard !starts.isEmpty else { mutateBytes(&bytes); return }
        let start = starts[below(starts.count)]
        var end = start
        while end < bytes.count, (0x30...0x39).contains(bytes[end]) { end += 1 }
        let value = Self.textValues[below(Self.textValues.count)]
        bytes.replaceSubrange(start..<end, with: Array(value.utf8))
    }

    /// Overwrites an aligned 4- or 8-byte word, in either byte order, with an extreme value.
    mutating func rewriteInteger(_ bytes: inout [UInt8]) {
        let width = below(2) == 0 ? 4 : 8
        guard bytes.count >= width else { mutateBytes(&bytes); return }
        let at = below((bytes.count - width) / 4 + 1) * 4
        let value = Self.binaryValues[below(Self.binaryValues.count)]
        let bigEndian = below(2) == 0
        for k in 0..<width {
            let shift = UInt64(8 * (bigEndian ? width - 1 - k : k))
            bytes[at + k] = UInt8(truncatingIfNeeded: value >> shift)
        }
    }
}
