import Foundation
import PruneTensor

/// Writes GGUF v3 files: metadata key–values in the given order, then tensor infos, then the
/// tensor data aligned to `general.alignment` (32 unless the metadata says otherwise), stored as
/// F32 or F16. Written to a temporary file beside the destination and renamed into place.
public struct GGUFWriter {
    public enum Storage: Sendable { case f32, f16 }

    public var metadata: [(key: String, value: GGUFValue)] = []
    /// Tensors in file order with their row-major shapes and storage.
    public var tensors: [(name: String, tensor: Tensor, storage: Storage)] = []

    public init() {}

    /// The file's bytes.
    public func encode() throws -> Data {
        var out = Data()
        try emit { out.append($0) }
        return out
    }

    /// Writes the file atomically, one tensor at a time.
    public func write(to path: String) throws {
        try AtomicFile.write(to: path) { handle in try emit { try handle.write(contentsOf: $0) } }
    }

    /// The file's bytes in pieces: header, metadata and tensor infos, then each tensor's data padded
    /// to the alignment (offsets follow from the shapes and storage, so no tensor is encoded twice).
    func emit(_ sink: (Data) throws -> Void) throws {
        var out = Data()
        out.appendLE(UInt32(0x4655_4747)); out.appendLE(UInt32(3))
        out.appendLE(UInt64(tensors.count)); out.appendLE(UInt64(metadata.count))
        for (key, value) in metadata {
            out.appendGGUFString(key); out.appendLE(value.typeCode); try out.appendGGUFValue(value)
        }
        let alignment = metadata.first { $0.key == "general.alignment" }?.value.int ?? 32
        var offset = 0
        for (name, tensor, storage) in tensors {
            out.appendGGUFString(name)
            out.appendLE(UInt32(max(tensor.rank, 1)))
            for d in (tensor.rank == 0 ? [1] : tensor.shape.reversed()) { out.appendLE(UInt64(d)) }
            out.appendLE(storage == .f32 ? GGMLType.f32.code : GGMLType.f16.code)
            out.appendLE(UInt64(offset))
            let size = tensor.count * (storage == .f32 ? 4 : 2)
            offset += (size + alignment - 1) / alignment * alignment
        }
        out.pad(to: alignment)
        try sink(out)
        for (_, tensor, storage) in tensors {
            var payload = Data(capacity: tensor.count * 4 + alignment)
            for v in tensor.scalars {
                if storage == .f32 { payload.appendLE(v.bitPattern) } else { payload.appendLE(v.halfBits) }
            }
            payload.pad(to: alignment)
            try sink(payload)
        }
    }
}

extension Data {
    mutating func appendLE<T: FixedWidthInteger>(_ v: T) {
        Swift.withUnsafeBytes(of: v.littleEndian) { append(contentsOf: $0) }
    }
    mutating func appendGGUFString(_ s: String) { appendLE(UInt64(s.utf8.count)); append(contentsOf: Array(s.utf8)) }
    mutating func pad(to alignment: Int) { let r = count % alignment; if r != 0 { append(Data(count: alignment - r)) } }

    mutating func appendGGUFValue(_ value: GGUFValue) throws {
        switch value {
        case .uint8(let v): appendLE(v)
        case .int8(let v): appendLE(v)
        case .uint16(let v): appendLE(v)
        case .int16(let v): appendLE(v)
        case .uint32(let v): appendLE(v)
        case .int32(let v): appendLE(v)
        case .float32(let v): appendLE(v.bitPattern)
        case .bool(let v): appendLE(UInt8(v ? 1 : 0))
        case .string(let s): appendGGUFString(s)
        case .uint64(let v): appendLE(v)
        case .int64(let v): appendLE(v)
        case .float64(let v): appendLE(v.bitPattern)
        case let .array(element, items):
            appendLE(element); appendLE(UInt64(items.count))
            for item in items {
                guard item.typeCode == element else {
                    throw ModelIOError(file: "<GGUF writer>",
                                       "an array of type \(element) holds a value of type \(item.typeCode)")
                }
                try appendGGUFValue(item)
            }
        }
    }
}
