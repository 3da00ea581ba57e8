/// F32: plain little-endian floats.
public struct GGMLFloat32: GGMLBlockFormat {
    public var type: GGMLType { .f32 }
    public var blockSize: Int { 1 }
    public var bytesPerBlock: Int { 4 }
    public func decode(block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        out.pointee = Float(bitPattern: RawLoad.u32(block, 0))
    }
}

/// F16: IEEE binary16.
public struct GGMLFloat16: GGMLBlockFormat {
    public var type: GGMLType { .f16 }
    public var blockSize: Int { 1 }
    public var bytesPerBlock: Int { 2 }
    public func decode(block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        out.pointee = RawLoad.f16(block, 0)
    }
}

/// BF16: the upper half of a Float32.
public struct GGMLBFloat16: GGMLBlockFormat {
    public var type: GGMLType { .bf16 }
    public var blockSize: Int { 1 }
    public var bytesPerBlock: Int { 2 }
    public func decode(block: UnsafeRawPointer, into out: UnsafeMutablePointer<Float>) {
        out.pointee = Float(bitPattern: UInt32(RawLoad.u16(block, 0)) << 16)
    }
}
