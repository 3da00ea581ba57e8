import XCTest
import Foundation
import PruneModelIO
import TestSupport

/// `.npy` files read back by NumPy itself (the test set-up installs numpy).
final class NPYFileTests: XCTestCase {
    /// NumPy's reading of each file: dtype, shape and values, one line per file.
    func numpyReads(_ paths: [String]) throws -> [String] {
        try requirePythonModules(["numpy"])
        let text = try pythonOutput("import numpy, sys\nfor f in sys.argv[1:]:\n    a = numpy.load(f); "
                                    + "print(a.dtype.str, list(a.shape), a.ravel().tolist())", arguments: paths)
        return text.split(separator: "\n").map(String.init)
    }

    func testNumPyReadsBothDTypesAndEveryShape() throws {
        let dir = NSTemporaryDirectory() + "prune-npy-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try NPYFile.write(float32: [1.5, -2, 0.25, 3e-8, -0.0, 7], shape: [2, 1, 3], to: dir + "/f.npy")
        try NPYFile.write(int64: [49151, -1, 0, Int(Int32.max) + 5], shape: [4], to: dir + "/i.npy")
        var paths = [dir + "/f.npy", dir + "/i.npy"]
        var expected = ["<f4 [2, 1, 3] [1.5, -2.0, 0.25, 2.999999892949745e-08, -0.0, 7.0]",
                        "<i8 [4] [49151, -1, 0, 2147483652]"]
        for n in [1, 2, 9, 10, 99, 100, 999, 1000, 12_345] {   // header lengths across the 64-byte padding
            let path = dir + "/p\(n).npy"
            try NPYFile.write(int64: [Int](repeating: 3, count: 2 * n), shape: [n, 2], to: path)
            let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.size] as? Int)
            XCTAssertEqual((size - 16 * n) % 64, 0, "the header is padded to 64 bytes")
            paths.append(path); expected.append("<i8 [\(n), 2] \([Int](repeating: 3, count: 2 * n))")
        }
        XCTAssertEqual(try numpyReads(paths), expected)
        XCTAssertThrowsError(try NPYFile.write(float32: [1, 2, 3], shape: [2, 2], to: dir + "/bad.npy")) {
            XCTAssertTrue("\($0)".contains("3 values do not fill the shape [2, 2]"), "\($0)")
        }
    }
}
