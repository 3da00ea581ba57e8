import PruneTensor

/// The IDX format of MNIST and Fashion-MNIST (LeCun et al.): a big-endian header — magic
/// 0x00000803 for images (count, rows, columns as 32-bit integers) or 0x00000801 for labels
/// (count) — then unsigned bytes. Files may be gzip-compressed.
public enum IDXFile {
    /// Images as `count` × `rows` × `columns` bytes.
    /// The header is read first, so the file is inflated only up to the size it announces (a gzip
    /// bomb behind a plausible header is an error after that many bytes, not an allocation).
    public static func readImages(_ path: String) throws -> (count: Int, rows: Int, columns: Int, pixels: [UInt8]) {
        let head = try GzipFile.read(path, limit: 16, beyondLimit: .prefix)
        guard head.count == 16, be32(head, 0) == 0x0000_0803 else { return try parseImages(head, file: path) }
        let announced = CheckedSize.elements([Int(be32(head, 4)), Int(be32(head, 8)), Int(be32(head, 12))]) ?? .max
        // Read no more than the header announces, nor than the memory budget; a shorter file is then
        // reported as truncated by the parser.
        let budget = MemoryBudget.bytes
        let limit = announced <= budget - 16 ? 16 + announced : budget
        return try parseImages(try GzipFile.read(path, limit: limit, beyondLimit:
            limit == budget ? GzipFile.budgetExceeded : .error("more than its header announces")), file: path)
    }

    /// Images from the bytes of an uncompressed IDX file; `file` names it in errors.
    public static func parseImages(_ bytes: [UInt8], file path: String) throws
        -> (count: Int, rows: Int, columns: Int, pixels: [UInt8]) {
        guard bytes.count >= 16 else { throw DataError(file: path,
                                                       "too short for an IDX image header (\(bytes.count) bytes, need 16)") }
        let magic = be32(bytes, 0)
        guard magic == 0x0000_0803 else {
            throw DataError(file: path, "bad magic number 0x\(String(magic, radix: 16)) (IDX images have 0x00000803)")
        }
        let n = Int(be32(bytes, 4)), r = Int(be32(bytes, 8)), c = Int(be32(bytes, 12))
        guard let expected = CheckedSize.elements([n, r, c]), bytes.count - 16 == expected else {
            let announced = CheckedSize.elements([n, r, c]).map { "\($0)" } ?? "more than 2^63"
            let truncated = (CheckedSize.elements([n, r, c]) ?? Int.max) > bytes.count - 16 ? " (truncated)" : ""
            throw DataError(file: path, "header announces \(n) images of \(r)×\(c) = \(announced) bytes, "
                            + "file holds \(bytes.count - 16)" + truncated)
        }
        return (n, r, c, Array(bytes[16...]))
    }

    /// Labels as `count` bytes.
    public static func readLabels(_ path: String) throws -> [UInt8] {
        let head = try GzipFile.read(path, limit: 8, beyondLimit: .prefix)
        guard head.count == 8, be32(head, 0) == 0x0000_0801 else { return try parseLabels(head, file: path) }
        return try parseLabels(try GzipFile.read(path, limit: 8 + Int(be32(head, 4)), beyondLimit:
            .error("more than its header announces")), file: path)
    }

    /// Labels from the bytes of an uncompressed IDX file; `file` names it in errors.
    public static func parseLabels(_ bytes: [UInt8], file path: String) throws -> [UInt8] {
        guard bytes.count >= 8 else { throw DataError(file: path,
                                                      "too short for an IDX label header (\(bytes.count) bytes, need 8)") }
        let magic = be32(bytes, 0)
        guard magic == 0x0000_0801 else {
            throw DataError(file: path, "bad magic number 0x\(String(magic, radix: 16)) (IDX labels have 0x00000801)")
        }
        let n = Int(be32(bytes, 4))
        guard bytes.count - 8 == n else {
            throw DataError(file: path,
                            "header announces \(n) labels, file holds \(bytes.count - 8)\(bytes.count - 8 < n ? " (truncated)" : "")")
        }
        return Array(bytes[8...])
    }

    private static func be32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }
}
