/// How one ggml tensor type stores its values: blocks of `blockSize` values in `bytesPerBlock`
/// bytes, little-endian, decoded to Float32. A new quantization type is one new conforming type
/// added to ``GGMLBlockFormats/byCode``. The layouts follow ggml's `ggml-quants.c`.
public protocol GGMLBlockFormat: Sendable {
    var type: GGMLType { get }
    /// Values per block.
    var blockSize: Int { get }
    /// Bytes per block.
    var bytesPerBlock: Int { get }
    /// Decodes one block at `block` into `blockSize` floats at `out`.
    func decode(block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>)
}

extension GGMLBlockFormat {
    /// Decodes `count` values (a multiple of the block size) from `source`.
    public func decode(_ source: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        for b in 0..<(count / blockSize) {
            decode(block: source + b * bytesPerBlock, into: out + b * blockSize)
        }
    }
}

/// The block formats Prune reads, by type code.
public enum GGMLBlockFormats {
    public static let all: [any GGMLBlockFormat] = [
        GGMLFloat32(), GGMLFloat16(), GGMLBFloat16(), GGMLQ8_0(), GGMLQ4_0(), GGMLQ4_1(), GGMLQ5_0(), GGMLQ5_1(),
        GGMLQ4_K(), GGMLQ5_K(), GGMLQ6_K(),
    ]
    static let byCode: [UInt32: any GGMLBlockFormat] = Dictionary(uniqueKeysWithValues: all.map { ($0.type.code, $0) })
}

/// Little-endian loads from raw bytes (unaligned).
enum RawLoad {
    @inline(__always) static func u8(_ p: UnsafeRawPointer, _ at: Int) -> UInt8 { p.load(fromByteOffset: at,
                                                                                         as: UInt8.self) }
    @inline(__always) static func i8(_ p: UnsafeRawPointer, _ at: Int) -> Int8 { Int8(bitPattern: u8(p, at)) }
    @inline(__always) static func u16(_ p: UnsafeRawPointer, _ at: Int) -> UInt16 {
        UInt16(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt16.self))
    }
    @inline(__always) static func u32(_ p: UnsafeRawPointer, _ at: Int) -> UInt32 {
        UInt32(littleEndian: p.loadUnaligned(fromByteOffset: at, as: UInt32.self))
    }
    /// An IEEE half-precision value as Float.
    @inline(__always) static func f16(_ p: UnsafeRawPointer, _ at: Int) -> Float { Float(halfBits: u16(p, at)) }
}

extension Float {
    /// The Float value of IEEE 754 binary16 bits (exact; subnormals, infinities and NaN kept).
    public init(halfBits h: UInt16) {
        let sign = UInt32(h >> 15) << 31, exponent = Int((h >> 10) & 0x1F), mantissa = UInt32(h & 0x3FF)
        if exponent == 0x1F {
            self = Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        } else if exponent == 0 {
            let magnitude = Float(mantissa) * 0x1p-24
            self = sign == 0 ? magnitude : -magnitude
        } else {
            self = Float(bitPattern: sign | UInt32(exponent + 112) << 23 | (mantissa << 13))
        }
    }

    /// IEEE binary16 bits of this value, rounded to nearest even (as numpy's float16 conversion).
    public var halfBits: UInt16 {
        let bits = bitPattern, sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF), mantissa = bits & 0x7F_FFFF
        if exponent == 0xFF { return sign | 0x7C00 | (mantissa != 0 ? 0x200 : 0) }
        let e = exponent - 127 + 15
        if e >= 0x1F { return sign | 0x7C00 }
        if e <= 0 {
            guard e >= -10 else { return sign }
            let m = mantissa | 0x80_0000, shift = UInt32(14 - e)
            var half = m >> shift
            let rest = m & ((1 << shift) - 1), halfway = UInt32(1) << (shift - 1)
            if rest > halfway || (rest == halfway && half & 1 == 1) { half += 1 }
            return sign | UInt16(half)
        }
        var half = UInt32(e) << 10 | (mantissa >> 13)
        let rest = mantissa & 0x1FFF
        if rest > 0x1000 || (rest == 0x1000 && half & 1 == 1) { half += 1 }
        return sign | UInt16(half)
    }
}
