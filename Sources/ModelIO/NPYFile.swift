import Foundation

/// NumPy's `.npy` format, version 1.0, for arrays other tools compare against: the magic
/// `\x93NUMPY`, a little-endian header length, a Python dict literal (dtype, C order, shape) padded
/// with spaces to a multiple of 64 bytes, then the data, little-endian (numpy's format spec, NEP 1).
public enum NPYFile {
    /// Writes Float32 `scalars` of `shape` (C order), atomically.
    public static func write(float32 scalars: [Float], shape: [Int], to path: String) throws {
        try check(scalars.count, shape, path)
        var data = header(descr: "<f4", shape: shape)
        scalars.withUnsafeBufferPointer { p in
            for v in p { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
        }
        try AtomicFile.write(data, to: path)
    }

    /// Writes Int64 `values` of `shape` (C order), atomically.
    public static func write(int64 values: [Int], shape: [Int], to path: String) throws {
        try check(values.count, shape, path)
        var data = header(descr: "<i8", shape: shape)
        for v in values { withUnsafeBytes(of: Int64(v).littleEndian) { data.append(contentsOf: $0) } }
        try AtomicFile.write(data, to: path)
    }

    static func check(_ count: Int, _ shape: [Int], _ path: String) throws {
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == count else {
            throw ModelIOError(file: PathText.short(path), "\(count) values do not fill the shape \(shape)")
        }
    }

    static func header(descr: String, shape: [Int]) -> Data {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dims)), }"
        let fixed = 10   // magic (6), version (2), header length (2)
        dict += String(repeating: " ", count: 63 - (fixed + dict.utf8.count) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        withUnsafeBytes(of: UInt16(dict.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: Array(dict.utf8))
        return data
    }
}
