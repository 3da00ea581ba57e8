import CZlib
import PruneTensor

/// Reads a whole file through the system zlib, inflating it when it is gzip-compressed
/// (plain files pass through unchanged). The output is capped at `limit` bytes (default: the
/// memory budget), so a small file that inflates to gigabytes is an error, not an allocation.
public enum GzipFile {
    public static func read(_ path: String, limit: Int = MemoryBudget.bytes) throws -> [UInt8] {
        guard let f = gzopen(path, "rb") else { throw DataError(file: path, "cannot open the file") }
        defer { gzclose(f) }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { gzread(f, $0.baseAddress, UInt32($0.count)) }
            if n < 0 {
                var code: Int32 = 0
                let msg = gzerror(f, &code).map { String(cString: $0) } ?? "unknown error"
                throw DataError(file: path, "corrupt gzip data (\(msg))")
            }
            if n == 0 { break }
            guard out.count + Int(n) <= limit else {
                throw DataError(file: path, "inflates to more than \(limit) bytes, the memory budget "
                                + "(--max-memory or PRUNE_MAX_MEMORY); not a data file this size")
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
