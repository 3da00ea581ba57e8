/// A bounds-checked little-endian reader over the bytes of a GGUF header.
struct GGUFCursor {
    let bytes: UnsafeRawBufferPointer
    let file: String
    var offset = 0

    mutating func take(_ n: Int, _ what: String) throws -> Int {
        guard n >= 0, n <= bytes.count - offset else {
            throw ModelIOError(file: file, GGUFProblem.truncated(at: offset, need: n, what: what))
        }
        defer { offset += n }
        return offset
    }

    mutating func u8(_ what: String) throws -> UInt8 { bytes[try take(1, what)] }
    // The offset is taken before the base address is read: an empty file has no base address.
    mutating func u16(_ what: String) throws -> UInt16 {
        let at = try take(2, what)
        return RawLoad.u16(bytes.baseAddress!, at)
    }
    mutating func u32(_ what: String) throws -> UInt32 {
        let at = try take(4, what)
        return RawLoad.u32(bytes.baseAddress!, at)
    }
    mutating func u64(_ what: String) throws -> UInt64 {
        let at = try take(8, what)
        return UInt64(littleEndian: bytes.baseAddress!.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }

    /// A count that must fit in the rest of the file at `minimumSize` bytes per item.
    mutating func count(_ what: String, minimumSize: Int) throws -> Int {
        let at = offset, n = try u64(what)
        let room = (bytes.count - offset) / max(minimumSize, 1)
        guard n <= UInt64(room) else {
            throw ModelIOError(file: file,
                               "\(what) at byte \(at) is \(n), more than the \(bytes.count) byte file can hold")
        }
        return Int(n)
    }

    mutating func string(_ what: String) throws -> String {
        let n = try count("length of \(what)", minimumSize: 1)
        let at = try take(n, what)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[at..<(at + n)])
        guard let s = String(validating: slice, as: UTF8.self) else {
            throw ModelIOError(file: file, "\(what) at byte \(at) is not valid UTF-8")
        }
        return s
    }
}
