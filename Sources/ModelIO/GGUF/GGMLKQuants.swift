/// The 6-bit scales and minimums of Q4_K and Q5_K: 8 pairs packed in 12 bytes.
enum KQuantScales {
    @inline(__always) static func pair(_ j: Int, _ s: UnsafeRawPointer) -> (scale: Float, min: Float) {
        if j < 4 {
            return (Float(RawLoad.u8(s, j) & 63), Float(RawLoad.u8(s, j + 4) & 63))
        }
        let scale = (RawLoad.u8(s, j + 4) & 0xF) | ((RawLoad.u8(s, j - 4) >> 6) << 4)
        let minimum = (RawLoad.u8(s, j + 4) >> 4) | ((RawLoad.u8(s, j) >> 6) << 4)
        return (Float(scale), Float(minimum))
    }
}

/// Q4_K: super-blocks of 256 values in 8 sub-blocks of 32, each with a 6-bit scale and minimum
/// relative to the super-block's F16 d and dmin; x = d·sc·q − dmin·m.
public struct GGMLQ4_K: GGMLBlockFormat {
    public var type: GGMLType { .q4_K }
    public var blockSize: Int { 256 }
    public var bytesPerBlock: Int { 144 }
    public func decode(block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = RawLoad.f16(block, 0), dmin = RawLoad.f16(block, 2), scales = block + 4
        for chunk in 0..<4 {
            let (s1, m1) = KQuantScales.pair(2 * chunk, scales), (s2, m2) = KQuantScales.pair(2 * chunk + 1, scales)
            let q = block + 16 + 32 * chunk, y = out + 64 * chunk
            for l in 0..<32 {
                let v = RawLoad.u8(q, l)
                y[l] = d * s1 * Float(v & 0xF) - dmin * m1
                y[l + 32] = d * s2 * Float(v >> 4) - dmin * m2
            }
        }
    }
}

/// Q5_K: as Q4_K with a fifth bit per value in 32 bytes of high bits.
public struct GGMLQ5_K: GGMLBlockFormat {
    public var type: GGMLType { .q5_K }
    public var blockSize: Int { 256 }
    public var bytesPerBlock: Int { 176 }
    public func decode(block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = RawLoad.f16(block, 0), dmin = RawLoad.f16(block, 2), scales = block + 4, qh = block + 16
        for chunk in 0..<4 {
            let (s1, m1) = KQuantScales.pair(2 * chunk, scales), (s2, m2) = KQuantScales.pair(2 * chunk + 1, scales)
            let ql = block + 48 + 32 * chunk, y = out + 64 * chunk
            let u1 = UInt8(1) << UInt8(2 * chunk), u2 = UInt8(2) << UInt8(2 * chunk)
            for l in 0..<32 {
                let v = RawLoad.u8(ql, l), h = RawLoad.u8(qh, l)
                y[l] = d * s1 * Float(Int(v & 0xF) + (h & u1 != 0 ? 16 : 0)) - dmin * m1
                y[l + 32] = d * s2 * Float(Int(v >> 4) + (h & u2 != 0 ? 16 : 0)) - dmin * m2
            }
        }
    }
}

/// Q6_K: super-blocks of 256 6-bit values (4 low bits in `ql`, 2 high bits in `qh`) in 16
/// sub-blocks of 16 with int8 scales and one F16 d; x = d·sc·(q − 32).
public struct GGMLQ6_K: GGMLBlockFormat {
    public var type: GGMLType { .q6_K }
    public var blockSize: Int { 256 }
    public var bytesPerBlock: Int { 210 }
    public func decode(block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        let d = RawLoad.f16(block, 208)
        for half in 0..<2 {
            let ql = block + 64 * half, qh = block + 128 + 32 * half, sc = block + 192 + 8 * half
            let y = out + 128 * half
            for l in 0..<32 {
                let s = l / 16, a = RawLoad.u8(ql, l), b = RawLoad.u8(ql, l + 32), h = RawLoad.u8(qh, l)
                let q1 = Int((a & 0xF) | ((h & 3) << 4)) - 32, q2 = Int((b & 0xF) | (((h >> 2) & 3) << 4)) - 32
                let q3 = Int((a >> 4) | (((h >> 4) & 3) << 4)) - 32, q4 = Int((b >> 4) | (((h >> 6) & 3) << 4)) - 32
                y[l] = d * Float(RawLoad.i8(sc, s)) * Float(q1)
                y[l + 32] = d * Float(RawLoad.i8(sc, s + 2)) * Float(q2)
                y[l + 64] = d * Float(RawLoad.i8(sc, s + 4)) * Float(q3)
                y[l + 96] = d * Float(RawLoad.i8(sc, s + 6)) * Float(q4)
            }
        }
    }
}
