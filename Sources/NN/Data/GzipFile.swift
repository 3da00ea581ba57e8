import CZlib
import PruneTensor

/// Reads a whole file through the system zlib, inflating it when it is gzip-compressed
/// (plain files pass through unchanged). The output is capped at `limit` bytes (default: the
/// memory budget), so a small file that inflates to gigabytes is an error, not an allocation.
public enum GzipFile {
    /// What to do with output beyond the limit: an error giving the reason, or (`prefix`) stop there.
    public enum Overflow: Sendable { case error(String), prefix }

    public static let budgetExceeded = Overflow.error(
        "the memory budget (--max-memory or PRUNE_MAX_MEMORY); not a data file this size")

    public static func read(_ path: String, limit: Int = MemoryBudget.bytes,
                            beyondLimit: Overflow = budgetExceeded) throws -> [UInt8] {
        guard let f = gzopen(path, "rb") else { throw DataError(file: path, "cannot open the file") }
        defer { gzclose(f) }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: Swift.min(1 << 20, Swift.max(limit, 0) + 1))
        while true {
            let n = chunk.withUnsafeMutableBytes { gzread(f, $0.baseAddress, UInt32($0.count)) }
            if n < 0 {
                var code: Int32 = 0
                let msg = gzerror(f, &code).map { String(cString: $0) } ?? "unknown error"
                throw DataError(file: path, "corrupt gzip data (\(msg))")
            }
            if n == 0 { break }
            guard out.count + Int(n) <= limit else {
                switch beyondLimit {
                case .prefix: return out + chunk[0..<(limit - out.count)]
                case .error(let why): throw DataError(file: path, "inflates to more than \(limit) bytes, \(why)")
                }
            }
            out.append(contentsOf: chunk[0..<Int(n)])
        }
        var code: Int32 = 0
        if let msg = gzerror(f, &code), code != Z_OK && code != Z_STREAM_END {
            throw DataError(file: path, "corrupt or truncated gzip data (\(String(cString: msg)))")
        }
        return out
    }
}

extension GzipFile {
    /// Inflates gzip or zlib bytes in memory (other bytes pass through unchanged), capped at `limit`
    /// bytes of output.
    public static func inflate(_ bytes: [UInt8], limit: Int = MemoryBudget.bytes) throws -> [UInt8] {
        guard bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B else { return bytes }
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError(file: "<memory>", "cannot start zlib")
        }
        defer { inflateEnd(&stream) }
        var input = bytes, out: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 1 << 16)
        var status = Z_OK
        try input.withUnsafeMutableBufferPointer { inp in
            stream.next_in = inp.baseAddress
            stream.avail_in = uInt(inp.count)
            while status != Z_STREAM_END {
                status = chunk.withUnsafeMutableBufferPointer { c in
                    stream.next_out = c.baseAddress
                    stream.avail_out = uInt(c.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                guard status == Z_OK || status == Z_STREAM_END else {
                    throw DataError(file: "<memory>", "corrupt or truncated gzip data (zlib status \(status))")
                }
                let produced = chunk.count - Int(stream.avail_out)
                guard out.count + produced <= limit else {
                    throw DataError(file: "<memory>", "inflates to more than \(limit) bytes, the memory budget")
                }
                out += chunk[0..<produced]
                if produced == 0 && stream.avail_in == 0 && status != Z_STREAM_END {
                    throw DataError(file: "<memory>", "truncated gzip data")
                }
            }
        }
        return out
    }
}
