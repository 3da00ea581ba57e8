/// Appends values bit by bit, most significant bit first, into bytes.
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private var current: UInt8 = 0
    private var used = 0
    private(set) var bitCount = 0

    mutating func write(_ value: UInt32, bits: Int) {
        precondition(bits >= 0 && bits <= 32)
        var i = bits - 1
        while i >= 0 {
            current = (current << 1) | UInt8((value >> UInt32(i)) & 1)
            used += 1; bitCount += 1
            if used == 8 { bytes.append(current); current = 0; used = 0 }
            i -= 1
        }
    }

    /// The bytes, the last one padded with zero bits.
    mutating func finish() -> [UInt8] {
        if used > 0 { bytes.append(current << UInt8(8 - used)); current = 0; used = 0 }
        return bytes
    }
}

/// Reads bits written by ``BitWriter``; running past the end is an error, never a crash.
struct BitReader {
    let bytes: [UInt8]
    private(set) var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func readBit() throws -> UInt32 {
        guard position < bytes.count * 8 else { throw DeepCompressionError.corrupt("bit stream ends early") }
        let b = bytes[position >> 3] >> UInt8(7 - (position & 7)) & 1
        position += 1
        return UInt32(b)
    }

    mutating func read(bits: Int) throws -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<bits { v = (v << 1) | (try readBit()) }
        return v
    }
}
