import Foundation
import Prune
import XCTest

/// `.prune` files whose checksum is valid but whose offsets, lengths, counts or shapes are hostile.
final class CompressedFileReliabilityTests: XCTestCase {
    func entry(name: String = "w", shape: String, encoding: String = "raw", entries: String = "0",
               offset: String = "0", length: String = "8", bits: Int = 0) -> String {
        #"{"name":"\#(name)","shape":\#(shape),"encoding":"\#(encoding)","bits":\#(bits),"indexBits":\#(bits),"#
            + #""entries":\#(entries),"offset":\#(offset),"length":\#(length)}"#
    }

    func file(_ entries: [String], payload: [UInt8] = [UInt8](repeating: 0, count: 8)) -> Data {
        CraftedFiles.pruneFile(header: #"{"metadata":{},"tensors":["# + entries.joined(separator: ",") + "]}",
                               payload: payload)
    }

    func assertCorrupt(_ data: Data, mentions word: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try DeepCompressionCodec.decode(data), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(word), "'\(word)' not in: \(error)", file: file, line: line)
        }
    }

    func testAValidCraftedFileDecodes() throws {
        let (tensors, _) = try DeepCompressionCodec.decode(file([entry(shape: "[2]")]))
        XCTAssertEqual(tensors["w"]?.shape, [2])
    }

    func testOverflowingOffsetsAndLengthsAreErrors() {
        let big = "9223372036854775807"
        assertCorrupt(file([entry(shape: "[2]", offset: big)]), mentions: "out of bounds")
        assertCorrupt(file([entry(shape: "[2]", offset: "4", length: big)]), mentions: "out of bounds")
        assertCorrupt(file([entry(shape: "[2]", offset: "-8")]), mentions: "out of bounds")
    }

    func testOverflowingShapesAndCountsAreErrors() {
        assertCorrupt(file([entry(shape: "[4294967296,4294967296]")]), mentions: "overflows")
        assertCorrupt(file([entry(shape: "[-1,2]")]), mentions: "negative")
        assertCorrupt(file([entry(shape: "[2]"), entry(shape: "[2]")]), mentions: "twice")
    }

    func testAHugeSparseShapeIsRefusedByTheMemoryBudget() {
        // 30 bytes of payload claiming a 20-billion-value shared tensor (80 GB once decoded).
        assertCorrupt(file([entry(shape: "[200000,100000]", encoding: "shared", entries: "1", length: "8", bits: 1)]),
                      mentions: "memory budget")
    }

    func testNegativeOrImpossibleEntryCountsAreErrors() throws {
        // A tiny valid shared tensor, then its entry count changed.
        let (data, _) = try DeepCompressionCodec.encode(["w": try Tensor(shape: [2, 2], scalars: [1, 0, 0, 2])], options: .init(bits: 1, indexBits: 1))
        let original = header(of: data)
        let field = try XCTUnwrap(original.range(of: #""entries":[0-9]+"#, options: .regularExpression))
        for bad in ["-1", "1000000000"] {
            let header = original.replacingCharacters(in: field, with: #""entries":"# + bad)
            let crafted = CraftedFiles.pruneFile(header: header, payload: payload(of: data))
            assertCorrupt(crafted, mentions: "entries")
        }
    }

    func testIdenticalEncodingsAreByteIdentical() throws {
        let metadata = Dictionary(uniqueKeysWithValues: (0..<20).map { ("key\($0)", "value\($0)") })
        let tensors = ["b": Tensor([1, 2, 3]), "a": try Tensor(shape: [2, 2], scalars: [1, 0, 0, 2])]
        let first = try DeepCompressionCodec.encode(tensors, metadata: metadata).data
        for _ in 0..<5 { XCTAssertEqual(try DeepCompressionCodec.encode(tensors, metadata: metadata).data, first) }
    }

    func header(of data: Data) -> String {
        let b = [UInt8](data)
        let n = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
        return String(decoding: b[12..<(12 + n)], as: UTF8.self)
    }

    func payload(of data: Data) -> [UInt8] {
        let b = [UInt8](data)
        let n = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
        return Array(b[(12 + n)..<(b.count - 4)])
    }
}
