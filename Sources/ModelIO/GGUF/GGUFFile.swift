import PruneTensor

/// A GGUF v2/v3 file (ggml's model container: `docs/gguf.md`): metadata key–values, tensor
/// infos, aligned tensor data. The file is memory-mapped and tensors are decoded to Float32 one at
/// a time when asked for, so opening a large model reads only its header.
///
/// Everything read from the file is checked before it is used: magic and version, counts against
/// the file size, value and tensor types, dimensions (≤ 4, product without overflow), alignment,
/// and every tensor's extent inside the data section; each failure is one ``ModelIOError``.
public final class GGUFFile: @unchecked Sendable {
    public let path: String
    public let version: UInt32
    /// Metadata in file order.
    public let metadata: [(key: String, value: GGUFValue)]
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    let mapped: MappedFile
    private let index: [String: Int]
    private let values: [String: GGUFValue]

    public convenience init(path: String) throws {
        try self.init(mapped: try MappedFile(path: path))
    }

    /// A GGUF file already in memory; `name` stands for its path in messages.
    public convenience init(bytes: [UInt8], name: String) throws {
        try self.init(mapped: MappedFile(copying: bytes, name: name))
    }

    private init(mapped: MappedFile) throws {
        let path = mapped.path
        self.path = path
        self.mapped = mapped
        var cursor = GGUFCursor(bytes: mapped.bytes, file: path)
        let magic = try cursor.u32("magic")
        guard magic == 0x4655_4747 else { throw ModelIOError(file: path, "not a GGUF file (bad magic)") }
        version = try cursor.u32("version")
        guard version == 2 || version == 3 else {
            throw ModelIOError(file: path, "GGUF version \(version) is not supported (2 and 3 are)")
        }
        let tensorCount = try cursor.count("tensor count", minimumSize: 24)
        let keyCount = try cursor.count("metadata count", minimumSize: 12)
        var metadata: [(key: String, value: GGUFValue)] = []
        for _ in 0..<keyCount {
            let key = try cursor.string("metadata key")
            let type = try cursor.u32("value type of \(key)")
            metadata.append((key, try cursor.value(type: type, key: key)))
        }
        self.metadata = metadata
        values = Dictionary(metadata.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
        guard Set(metadata.map(\.key)).count == metadata.count else {
            throw ModelIOError(file: path, "a metadata key appears twice")
        }
        alignment = try Self.alignment(values["general.alignment"], file: path)
        let infos = try (0..<tensorCount).map { _ in try Self.readInfo(&cursor, file: path) }
        let align = alignment, dataStart = (cursor.offset + align - 1) / align * align, size = mapped.count
        tensors = try infos.map { try Self.locate($0, dataStart: dataStart, alignment: align, fileSize: size,
                                                  file: path) }
        index = Dictionary(tensors.enumerated().map { ($0.element.name, $0.offset) }, uniquingKeysWith: { a, _ in a })
        guard index.count == tensors.count else { throw ModelIOError(file: path, "a tensor name appears twice") }
    }

    /// The metadata value of `key`, if present.
    public subscript(key: String) -> GGUFValue? { values[key] }

    public func info(_ name: String) -> GGUFTensorInfo? { index[name].map { tensors[$0] } }

    /// The tensor `name` decoded to Float32 in its row-major shape.
    public func tensor(_ name: String) throws -> Tensor {
        guard let info = info(name) else { throw ModelIOError(file: path, "no tensor named \(name)") }
        return try decode(info)
    }

    /// Decodes one tensor to Float32.
    public func decode(_ info: GGUFTensorInfo) throws -> Tensor {
        guard let format = info.type.format else {
            throw ModelIOError(file: path,
                               "tensor \(info.name) has quantization type \(info.type), which Prune does not read"
                               + " (it reads \(GGMLBlockFormats.all.map(\.type.description).joined(separator: ", ")))")
        }
        try MemoryBudget.check(elements: info.elementCount, of: 4, for: "tensor \(info.name)")
        var scalars = [Float](repeating: 0, count: info.elementCount)
        guard info.elementCount > 0 else { return Tensor(unchecked: info.shape, scalars) }
        scalars.withUnsafeMutableBufferPointer { out in
            format.decode(mapped.bytes.baseAddress! + info.fileOffset, count: info.elementCount, into: out.baseAddress!)
        }
        return Tensor(unchecked: info.shape, scalars)
    }

    /// The raw stored bytes of a tensor.
    public func rawBytes(_ info: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: mapped.bytes[info.fileOffset..<(info.fileOffset + info.byteCount)])
    }
}
