import Foundation

/// Builders of crafted inputs: files that pass the format checks but carry hostile sizes.
enum CraftedFiles {
    static func tempDir() throws -> String {
        let d = NSTemporaryDirectory() + "prune-reliability-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    /// A safetensors file with the given header text (padded to 8 bytes) and data bytes.
    static func safetensors(header: String, data: [UInt8]) -> Data {
        var h = Array(header.utf8)
        while h.count % 8 != 0 { h.append(0x20) }
        var out = withUnsafeBytes(of: UInt64(h.count).littleEndian) { Array($0) }
        out += h + data
        return Data(out)
    }

    /// A `.prune` file: magic, header JSON, payload and a valid CRC-32, so only the fields are wrong.
    static func pruneFile(header: String, payload: [UInt8]) -> Data {
        var out = Array("PRUNEDC".utf8) + [1]
        let h = Array(header.utf8)
        out += withUnsafeBytes(of: UInt32(h.count).littleEndian) { Array($0) }
        out += h + payload
        out += withUnsafeBytes(of: CRC32.checksum(out).littleEndian) { Array($0) }
        return Data(out)
    }

    /// An IDX image file header with the given counts and `bytes` bytes of pixels.
    static func idxImages(count: UInt32, rows: UInt32, columns: UInt32, bytes: Int) -> Data {
        var out: [UInt8] = [0, 0, 8, 3]
        for v in [count, rows, columns] { out += withUnsafeBytes(of: v.bigEndian) { Array($0) } }
        return Data(out + [UInt8](repeating: 0, count: bytes))
    }
}

/// CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), written here independently of zlib.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
