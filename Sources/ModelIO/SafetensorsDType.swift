/// The element types of the safetensors format that Prune reads (all are converted to Float32).
enum SafetensorsDType: String {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64"
    case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

    var size: Int {
        switch self {
        case .f64, .i64: return 8
        case .f32, .i32: return 4
        case .f16, .bf16, .i16: return 2
        case .i8, .u8, .bool: return 1
        }
    }

    /// Decodes `count` little-endian elements starting at `p` into Float32.
    func decode(_ p: UnsafeRawPointer, count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        switch self {
        case .f32:
            out.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: p, count: count * 4)) }
            #if _endian(big)
            for i in 0..<count { out[i] = Float(bitPattern: out[i].bitPattern.byteSwapped) }
            #endif
        case .f64: for i in 0..<count { out[i] = Float(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))) }
        case .f16: for i in 0..<count { out[i] = Self.half(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: i * 2,
                as: UInt16.self))) }
        case .bf16: for i in 0..<count { out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) << 16) }
        case .i64: for i in 0..<count { out[i] = Float(Int64(littleEndian: p.loadUnaligned(fromByteOffset: i * 8,
                as: Int64.self))) }
        case .i32: for i in 0..<count { out[i] = Float(Int32(littleEndian: p.loadUnaligned(fromByteOffset: i * 4,
                as: Int32.self))) }
        case .i16: for i in 0..<count { out[i] = Float(Int16(littleEndian: p.loadUnaligned(fromByteOffset: i * 2,
                as: Int16.self))) }
        case .i8: for i in 0..<count { out[i] = Float(p.load(fromByteOffset: i, as: Int8.self)) }
        case .u8: for i in 0..<count { out[i] = Float(p.load(fromByteOffset: i, as: UInt8.self)) }
        case .bool: for i in 0..<count { out[i] = p.load(fromByteOffset: i, as: UInt8.self) != 0 ? 1 : 0 }
        }
        return out
    }

    /// IEEE 754 half precision to Float32.
    static func half(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exp = Int((h >> 10) & 0x1F), frac = UInt32(h & 0x3FF)
        if exp == 0 {
            if frac == 0 { return Float(bitPattern: sign) }
            let v = Float(frac) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -v : v
        }
        if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (frac << 13)) }
        return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (frac << 13))
    }
}
