import PruneTensor

/// A safetensors file read lazily: opening maps the file and checks its header exactly as
/// ``Safetensors/read(_:)`` does; each tensor is decoded to Float32 from the mapped bytes when it is
/// asked for, so a large checkpoint costs memory one tensor at a time.
public final class SafetensorsFile: @unchecked Sendable {
    public let path: String
    public let metadata: [String: String]
    private let mapped: MappedFile
    private let entries: [String: Safetensors.Entry]
    private let dataStart: Int

    public init(path: String) throws {
        self.path = path
        mapped = try MappedFile(path: path)
        let layout = try Safetensors.header(mapped.bytes, file: path)
        metadata = layout.metadata
        dataStart = layout.dataStart
        entries = Dictionary(layout.entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        guard entries.count == layout.entries.count else {
            throw ModelIOError(file: path, "a tensor name appears twice")
        }
    }

    /// The tensor names, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// The tensor `name` decoded to Float32, or nil when the file has none of that name.
    public func tensor(_ name: String) throws -> Tensor? {
        guard let e = entries[name] else { return nil }
        try MemoryBudget.check(elements: e.shape.reduce(1, *), of: 4, for: "tensor \(name)")
        return Safetensors.tensor(e, in: mapped.bytes, dataStart: dataStart)
    }
}
