import PruneTensor

extension GGUFFile {
    /// A tensor info as stored: the offset is still relative to the data section.
    struct RawInfo { let name: String, dimensions: [Int], type: GGMLType, offset: UInt64 }

    static func alignment(_ value: GGUFValue?, file: String) throws -> Int {
        guard let value else { return 32 }
        guard let a = value.int, a > 0, a <= 1 << 20, a & (a - 1) == 0 else {
            throw ModelIOError(file: file, "general.alignment must be a power of two up to 2^20")
        }
        return a
    }

    static func readInfo(_ cursor: inout GGUFCursor, file: String) throws -> RawInfo {
        let name = try cursor.string("tensor name")
        let rank = try cursor.u32("dimension count of \(name)")
        guard rank >= 1, rank <= 4 else {
            throw ModelIOError(file: file, "tensor \(name) has \(rank) dimensions (GGUF allows 1 to 4)")
        }
        var dims: [Int] = []
        for _ in 0..<rank {
            let d = try cursor.u64("dimension of \(name)")
            guard d <= UInt64(Int32.max) else { throw ModelIOError(file: file,
                                                                   "tensor \(name) has a dimension of \(d)") }
            dims.append(Int(d))
        }
        let type = GGMLType(code: try cursor.u32("type of \(name)"))
        return RawInfo(name: name, dimensions: dims, type: type, offset: try cursor.u64("offset of \(name)"))
    }

    static func locate(_ raw: RawInfo, dataStart: Int, alignment: Int, fileSize: Int,
                       file: String) throws -> GGUFTensorInfo {
        guard let count = CheckedSize.elements(raw.dimensions) else {
            throw ModelIOError(file: file, "tensor \(raw.name): dimensions \(raw.dimensions) overflow")
        }
        guard let format = raw.type.format else {
            throw ModelIOError(file: file,
                               "tensor \(raw.name) has quantization type \(raw.type), which Prune does not read"
                               + " (it reads \(GGMLBlockFormats.all.map(\.type.description).joined(separator: ", ")))")
        }
        guard raw.dimensions[0] % format.blockSize == 0 else {
            throw ModelIOError(file: file, "tensor \(raw.name): rows of \(raw.dimensions[0]) values do not fill "
                               + "\(raw.type) blocks of \(format.blockSize)")
        }
        let bytes = count / format.blockSize * format.bytesPerBlock
        guard raw.offset % UInt64(alignment) == 0 else {
            throw ModelIOError(file: file, "tensor \(raw.name): offset \(raw.offset) is not aligned to \(alignment)")
        }
        guard raw.offset <= UInt64(fileSize), Int(raw.offset) <= fileSize - dataStart,
              bytes <= fileSize - dataStart - Int(raw.offset) else {
            throw ModelIOError(file: file, "tensor \(raw.name) (\(bytes) bytes at data offset \(raw.offset)) "
                               + "extends past the end of the file (truncated?)")
        }
        return GGUFTensorInfo(name: raw.name, dimensions: raw.dimensions, type: raw.type,
                              fileOffset: dataStart + Int(raw.offset), byteCount: bytes)
    }
}
