import Foundation
import PruneTensor

/// The safetensors format (Hugging Face): an 8-byte little-endian header length n, n bytes of
/// UTF-8 JSON mapping each name to `{dtype, shape, data_offsets}` (plus optional string
/// `__metadata__`), then the little-endian, row-major data.
///
/// Reading validates everything the format requires (header size ≤ 100 MB, offsets inside the
/// data, no overlaps, full coverage, sizes equal to dtype × shape). Writing produces the same bytes
/// as the Python `safetensors` package: tensors ordered by name, compact JSON, header padded with
/// spaces to a multiple of 8, written atomically.
public enum Safetensors {
    static let maxHeader = 100_000_000

    /// Reads a file. Every error names the file and the problem.
    public static func read(_ path: String) throws -> StateDict {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelIOError(file: path, "cannot read the file (missing or unreadable)")
        }
        return try decode(data, file: path)
    }

    /// One tensor's header entry: where its bytes lie in the data section.
    struct Entry { let name: String, dtype: SafetensorsDType, shape: [Int], begin: Int, end: Int }

    /// Decodes safetensors bytes; `file` names the source in errors.
    public static func decode(_ data: Data, file: String = "<memory>") throws -> StateDict {
        try data.withUnsafeBytes { raw in
            let layout = try header(raw, file: file)
            var tensors: [String: Tensor] = [:]
            for e in layout.entries { tensors[e.name] = tensor(e, in: raw, dataStart: layout.dataStart) }
            return StateDict(tensors, metadata: layout.metadata)
        }
    }

    /// The checked header of safetensors bytes: the entries in data order, the metadata, and where
    /// the data section starts.
    struct Layout { let entries: [Entry], metadata: [String: String], dataStart: Int }

    static func header(_ bytes: UnsafeRawBufferPointer, file: String) throws -> Layout {
        guard bytes.count >= 8 else {
            throw ModelIOError(file: file, "truncated: \(bytes.count) bytes, need at least 8 for the header length")
        }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(maxHeader) else {
            throw ModelIOError(file: file, "header length \(n) exceeds the 100 MB limit (not a safetensors file?)")
        }
        guard 8 + Int(n) <= bytes.count else {
            throw ModelIOError(file: file,
                               "truncated: header announces \(n) bytes but the file has \(bytes.count - 8) "
                                   + "after the length")
        }
        let header: [(key: String, value: JSONValue)]
        do {
            guard let object = try StrictJSON.parse(Array(bytes[8..<(8 + Int(n))])).object else {
                throw ModelIOError(file: file, "header is not a JSON object")
            }
            header = object
        } catch let e as StrictJSON.Failure {
            throw ModelIOError(file: file, "header is not valid JSON: \(e)")
        }
        let dataStart = 8 + Int(n), dataLength = bytes.count - dataStart
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (name, value) in header {
            if name == "__metadata__" { metadata = try readMetadata(value, file: file); continue }
            entries.append(try readEntry(name, value, dataLength: dataLength, file: file))
        }
        try checkLayout(&entries, dataLength: dataLength, file: file)
        return Layout(entries: entries, metadata: metadata, dataStart: dataStart)
    }

    /// One entry's tensor decoded to Float32 from bytes whose header was checked by ``header(_:file:)``.
    static func tensor(_ e: Entry, in bytes: UnsafeRawBufferPointer, dataStart: Int) -> Tensor {
        guard e.end > e.begin else { return Tensor(unchecked: e.shape, []) }
        let scalars = e.dtype.decode(bytes.baseAddress! + dataStart + e.begin, count: (e.end - e.begin) / e.dtype.size)
        return Tensor(unchecked: e.shape, scalars)
    }

    static func readMetadata(_ value: JSONValue, file: String) throws -> [String: String] {
        guard let m = value.object else { throw ModelIOError(file: file, "__metadata__ is not a map of strings") }
        var metadata: [String: String] = [:]
        for (k, v) in m {
            guard let s = v.string else { throw ModelIOError(file: file,
                                                             "__metadata__ value for '\(k)' is not a string") }
            metadata[k] = s
        }
        return metadata
    }

    static func readEntry(_ name: String, _ value: JSONValue, dataLength: Int, file: String) throws -> Entry {
        guard let dt = value["dtype"]?.string, let shapeValues = value["shape"]?.array,
              let offsetValues = value["data_offsets"]?.array, offsetValues.count == 2 else {
            throw ModelIOError(file: file, "tensor '\(name)': entry needs dtype, shape and two data_offsets")
        }
        guard let dtype = SafetensorsDType(rawValue: dt) else {
            throw ModelIOError(file: file, "tensor '\(name)': unsupported dtype \(dt) "
                               + "(supported: F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL)")
        }
        let shape = try shapeValues.map { v -> Int in
            guard let i = v.integer, i >= 0 else {
                throw ModelIOError(file: file, "tensor '\(name)': the shape is not a list of non-negative integers")
            }
            return i
        }
        let offs = try offsetValues.map { v -> Int in
            guard let i = v.integer, i >= 0 else {
                throw ModelIOError(file: file, "tensor '\(name)': data_offsets must be non-negative integers")
            }
            return i
        }
        guard offs[0] <= offs[1], offs[1] <= dataLength else {
            throw ModelIOError(file: file,
                               "tensor '\(name)': data_offsets [\(offs[0]), \(offs[1])] outside the \(dataLength) "
                               + "data bytes (truncated file?)")
        }
        guard let expected = CheckedSize.bytes(shape: shape, elementSize: dtype.size),
              offs[1] - offs[0] == expected else {
            throw ModelIOError(file: file, "tensor '\(name)': \(offs[1] - offs[0]) bytes for shape \(shape) of \(dt), "
                               + "which needs " + (CheckedSize.bytes(shape: shape, elementSize: dtype.size)
                                                   .map { "\($0)" } ?? "more than 2^63"))
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: offs[0], end: offs[1])
    }

    /// The tensors must tile the data section: in order, no gap, no overlap, nothing left over.
    static func checkLayout(_ entries: inout [Entry], dataLength: Int, file: String) throws {
        entries.sort { $0.begin < $1.begin || ($0.begin == $1.begin && $0.end < $1.end) }
        var cursor = 0
        for e in entries {
            guard e.begin == cursor else {
                throw ModelIOError(file: file, e.begin < cursor ? "tensor '\(e.name)' overlaps the tensor before it"
                                                                : "a gap of \(e.begin - cursor) bytes before tensor '\(e.name)'")
            }
            cursor = e.end
        }
        guard cursor == dataLength else {
            throw ModelIOError(file: file, "the tensors cover \(cursor) of the \(dataLength) data bytes")
        }
    }

    /// Encodes a state dict as safetensors bytes (all tensors as F32).
    public static func encode(_ state: StateDict) throws -> Data {
        var out = Data()
        try emit(state) { out.append($0) }
        return out
    }

    /// Writes a file atomically: to a temporary file beside it, one tensor at a time, then renamed
    /// into place, so a failed save never leaves a partial file.
    public static func write(_ state: StateDict, to path: String) throws {
        try AtomicFile.write(to: path) { handle in try emit(state) { try handle.write(contentsOf: $0) } }
    }

    /// The file's bytes in pieces: the length and header, then each tensor's data.
    static func emit(_ state: StateDict, _ sink: (Data) throws -> Void) throws {
        let keys = state.sortedKeys
        try sink(try header(state, keys: keys))
        for k in keys { try sink(state.tensors[k]!.scalars.withUnsafeBytes { Data($0) }) }
    }

    /// The 8-byte length and the JSON header (padded with spaces to a multiple of 8).
    static func header(_ state: StateDict, keys: [String]) throws -> Data {
        var header = "{"
        var first = true
        if !state.metadata.isEmpty {
            header += "\"__metadata__\":{"
            header += state.metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(state.metadata[$0]!))" }
                .joined(separator: ",")
            header += "}"
            first = false
        }
        var offset = 0
        for k in keys {
            guard !k.isEmpty, k != "__metadata__" else { throw ModelIOError(file: "<encode>",
                                                                            "tensor name '\(k)' is not allowed") }
            let t = state.tensors[k]!
            let size = t.count * 4, shape = t.shape.map(String.init).joined(separator: ",")
            if !first { header += "," }
            first = false
            header += "\(jsonString(k)):{\"dtype\":\"F32\",\"shape\":[\(shape)],"
                + "\"data_offsets\":[\(offset),\(offset + size)]}"
            offset += size
        }
        header += "}"
        var hb = Array(header.utf8)
        while hb.count % 8 != 0 { hb.append(0x20) }
        var out = Data(capacity: 8 + hb.count)
        var n = UInt64(hb.count).littleEndian
        withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
        out.append(contentsOf: hb)
        return out
    }

    /// A JSON string literal, escaped as serde_json does.
    static func jsonString(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
