/// Q8_0: blocks of 32 int8 values with one F16 scale d; x = d·q.
public struct GGMLQ8_0: GGMLBlockFormat {
    public var type: GGMLType { .q8_0 }
    public var blockSize: Int { 32 }
    public var bytesPerBlock: Int { 34 }
    public func decode(block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = RawLoad.f16(block, 0)
        for j in 0..<32 { out[j] = d * Float(RawLoad.i8(block, 2 + j)) }
    }
}

/// Q4_0: blocks of 32 4-bit values (low nibbles are values 0–15, high nibbles 16–31) with a
/// scale d; x = d·(q − 8).
public struct GGMLQ4_0: GGMLBlockFormat {
    public var type: GGMLType { .q4_0 }
    public var blockSize: Int { 32 }
    public var bytesPerBlock: Int { 18 }
    public func decode(block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = RawLoad.f16(block, 0)
        for j in 0..<16 {
            let q = RawLoad.u8(block, 2 + j)
            out[j] = d * Float(Int(q & 0xF) - 8)
            out[j + 16] = d * Float(Int(q >> 4) - 8)
        }
    }
}

/// Q4_1: as Q4_0 with a scale d and a minimum m; x = d·q + m.
public struct GGMLQ4_1: GGMLBlockFormat {
    public var type: GGMLType { .q4_1 }
    public var blockSize: Int { 32 }
    public var bytesPerBlock: Int { 20 }
    public func decode(block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = RawLoad.f16(block, 0), m = RawLoad.f16(block, 2)
        for j in 0..<16 {
            let q = RawLoad.u8(block, 4 + j)
            out[j] = d * Float(q & 0xF) + m
            out[j + 16] = d * Float(q >> 4) + m
        }
    }
}

/// The fifth bits of Q5_0 and Q5_1: bit j of a 32-bit word is the high bit of value j.
enum FifthBits {
    @inline(__always) static func values(_ block: UnsafeRawPointer, high: Int, low: Int,
                                          _ body: (Int, Int) -> Void) {
        let qh = RawLoad.u32(block, high)
        for j in 0..<16 {
            let q = RawLoad.u8(block, low + j)
            let h0 = Int((qh >> UInt32(j)) & 1) << 4, h1 = Int((qh >> UInt32(j + 16)) & 1) << 4
            body(j, Int(q & 0xF) | h0)
            body(j + 16, Int(q >> 4) | h1)
        }
    }
}

/// Q5_0: blocks of 32 5-bit values (4 low bits in nibbles, the fifth in a 32-bit word) with a
/// scale d; x = d·(q − 16).
public struct GGMLQ5_0: GGMLBlockFormat {
    public var type: GGMLType { .q5_0 }
    public var blockSize: Int { 32 }
    public var bytesPerBlock: Int { 22 }
    public func decode(block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = RawLoad.f16(block, 0)
        FifthBits.values(block, high: 2, low: 6) { j, q in out[j] = d * Float(q - 16) }
    }
}

/// Q5_1: as Q5_0 with a scale d and a minimum m; x = d·q + m.
public struct GGMLQ5_1: GGMLBlockFormat {
    public var type: GGMLType { .q5_1 }
    public var blockSize: Int { 32 }
    public var bytesPerBlock: Int { 24 }
    public func decode(block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = RawLoad.f16(block, 0), m = RawLoad.f16(block, 2)
        FifthBits.values(block, high: 4, low: 8) { j, q in out[j] = d * Float(q) + m }
    }
}
