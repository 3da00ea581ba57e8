import XCTest
import Foundation
import PruneTensor
@testable import PruneModelIO

/// The GGUF reader against the `gguf` package: every block format decodes to the values of
/// gguf-py's own numpy dequantization (fixture written by scripts/make-gguf-fixtures.py), every
/// metadata value type reads back, and malformed files get one clear error each.
final class GGUFReaderTests: XCTestCase {
    func fixturePath() throws -> String {
        try XCTUnwrap(Bundle.module.url(forResource: "gguf-quants", withExtension: "gguf",
                                        subdirectory: "Fixtures")).path
    }

    func testEveryBlockFormatMatchesGGUFPy() throws {
        let file = try GGUFFile(path: try fixturePath())
        for format in GGMLBlockFormats.all where format.type != .f32 {
            let name = format.type.description
            let decoded = try file.tensor(name), expected = try file.tensor("expected." + name)
            XCTAssertEqual(decoded.shape, expected.shape, name)
            XCTAssertEqual(file.info(name)?.type, format.type)
            var worst: Float = 0
            for (a, b) in zip(decoded.scalars, expected.scalars) { worst = max(worst, abs(a - b)) }
            XCTAssertLessThanOrEqual(worst, 1e-6, "\(name): max abs difference \(worst) from gguf-py")
            XCTAssertTrue(decoded.scalars.contains { $0 != 0 }, name)
        }
        XCTAssertEqual(try file.tensor("F32").shape, [4, 8])
    }

    func testEveryMetadataValueType() throws {
        let file = try GGUFFile(path: try fixturePath())
        XCTAssertEqual(file["test.u8"], .uint8(200))
        XCTAssertEqual(file["test.i8"], .int8(-100))
        XCTAssertEqual(file["test.u16"], .uint16(60000))
        XCTAssertEqual(file["test.i16"], .int16(-30000))
        XCTAssertEqual(file["test.u32"], .uint32(4_000_000_000))
        XCTAssertEqual(file["test.i32"], .int32(-2_000_000_000))
        XCTAssertEqual(file["test.f32"], .float32(0.15625))
        XCTAssertEqual(file["test.bool"], .bool(true))
        XCTAssertEqual(file["test.string"]?.string, "Grüße, ggml ✓")
        XCTAssertEqual(file["test.u64"], .uint64(1 << 40 + 3))
        XCTAssertEqual(file["test.i64"], .int64(-(1 << 40) - 3))
        XCTAssertEqual(file["test.f64"], .float64(-2.5e-300))
        XCTAssertEqual(file["test.strings"]?.array?.compactMap(\.string), ["a", "", "ü"])
        XCTAssertEqual(file["test.ints"]?.array?.compactMap(\.int), [1, -2, 3])
        XCTAssertEqual(file["general.architecture"]?.string, "llama")
    }

    func testHalfPrecisionConversionRoundTrips() {
        for bits in stride(from: 0, through: 0xFFFF, by: 1) where (bits >> 10) & 0x1F != 0x1F {
            let h = UInt16(bits)
            XCTAssertEqual(Float(halfBits: h).halfBits, h, "half bits \(h)")
        }
        XCTAssertEqual(Float(65520).halfBits, 0x7C00, "overflow rounds to infinity")
        XCTAssertEqual(Float(1 + 0x1p-11).halfBits, 0x3C00, "ties go to even")
    }

    func expectError(_ bytes: [UInt8], _ fragment: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = NSTemporaryDirectory() + "prune-gguf-\(UUID().uuidString).gguf"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let f = try GGUFFile(path: path)
            for t in f.tensors { _ = try f.decode(t) }
            XCTFail("no error; expected \(fragment)", file: file, line: line)
        } catch let e as ModelIOError {
            XCTAssertTrue(e.problem.contains(fragment), "\(e.problem) lacks \(fragment)", file: file, line: line)
        }
    }

    func testMalformedFilesGetOneClearError() throws {
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try fixturePath())))
        try expectError(Array("GGML".utf8) + good.dropFirst(4), "bad magic")
        try expectError(Array(good.prefix(100)), "more than the 100 byte file can hold")
        try expectError(Array(good.prefix(700)), "truncated")
        try expectError(Array(good.prefix(good.count - 10)), "extends past the end")
        var version = good; version[4] = 9
        try expectError(version, "version 9")
        var counts = good
        for i in 8..<16 { counts[i] = 0xFF }
        counts[15] = 0x0F
        try expectError(counts, "more than the")
        var keys = good
        for i in 16..<24 { keys[i] = 0x7F }
        try expectError(keys, "metadata count")
        // Found by the gguf fuzz target: an empty file and a 3-byte one crashed on a nil base address.
        try expectError([], "truncated")
        try expectError([0x47, 0x47, 0x55], "truncated")
    }

    func testAZeroElementTensorDecodesToAnEmptyTensor() throws {
        var writer = GGUFWriter()
        writer.tensors = [("empty", try Tensor(shape: [0, 4], scalars: []), .f32), ("one", Tensor([2]), .f32)]
        let file = try GGUFFile(bytes: Array(try writer.encode()), name: "memory.gguf")
        XCTAssertEqual(try file.tensor("empty").shape, [0, 4])
        XCTAssertEqual(try file.tensor("one").scalars, [2])
    }

    func testUnknownQuantizationTypeIsNamed() throws {
        let file = try GGUFFile(path: try fixturePath())
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: try fixturePath())))
        // The type field of the first tensor info: after its name and dimensions.
        let first = file.tensors[0]
        let nameBytes = Array(first.name.utf8)
        let at = try XCTUnwrap(findSubsequence(bytes, nameBytes)) + nameBytes.count + 4 + 8 * first.dimensions.count
        bytes[at] = 10; bytes[at + 1] = 0; bytes[at + 2] = 0; bytes[at + 3] = 0
        try expectError(bytes, "quantization type Q2_K, which Prune does not read")
    }

    func findSubsequence(_ haystack: [UInt8], _ needle: [UInt8]) -> Int? {
        guard needle.count <= haystack.count else { return nil }
        for i in 0...(haystack.count - needle.count) where Array(haystack[i..<(i + needle.count)]) == needle {
            // Tensor names follow their 8-byte length; metadata keys may repeat the text.
            let n = haystack[(i - 8)..<i].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            if n == needle.count, i > 64 { return i }
        }
        return nil
    }
}
