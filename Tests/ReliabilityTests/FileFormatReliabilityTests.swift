import DecisionTrees
import Foundation
import Prune
import XCTest

/// Crafted files of every format Prune reads: each case used to crash, hang, allocate without bound
/// or be accepted though invalid, and must now give one clear error.
final class FileFormatReliabilityTests: XCTestCase {
    func assertError<T>(_ body: @autoclosure () throws -> T, mentions words: [String],
                        file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            let text = "\(error)"
            for w in words { XCTAssertTrue(text.contains(w), "'\(w)' not in: \(text)", file: file, line: line) }
            XCTAssertFalse(text.contains("\n"), "one line: \(text)", file: file, line: line)
        }
    }

    let eightBytes = [UInt8](repeating: 0, count: 8)

    func testSafetensorsNonIntegralShapesAndOffsetsAreRefused() {
        let shape = #"{"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}"#
        assertError(try Safetensors.decode(CraftedFiles.safetensors(header: shape, data: eightBytes)),
                    mentions: ["'w'", "integers"])
        let offsets = #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8.0]}}"#
        assertError(try Safetensors.decode(CraftedFiles.safetensors(header: offsets, data: eightBytes)),
                    mentions: ["'w'", "data_offsets"])
        let exponent = #"{"w":{"dtype":"F32","shape":[2e0],"data_offsets":[0,8]}}"#
        assertError(try Safetensors.decode(CraftedFiles.safetensors(header: exponent, data: eightBytes)),
                    mentions: ["'w'"])
    }

    func testSafetensorsDuplicateKeyIsRefused() {
        let header = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"#
            + #""w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        assertError(try Safetensors.decode(CraftedFiles.safetensors(header: header, data: eightBytes)),
                    mentions: ["duplicate key", "\"w\""])
    }

    func testSafetensorsOverflowingShapeIsAnErrorNotATrap() {
        for shape in ["[4611686018427387904,4]", "[3037000500,3037000500]", "[9223372036854775807,9223372036854775807]"] {
            let header = #"{"w":{"dtype":"F32","shape":"# + shape + #","data_offsets":[0,8]}}"#
            assertError(try Safetensors.decode(CraftedFiles.safetensors(header: header, data: eightBytes)),
                        mentions: ["'w'", "2^63"])
        }
        let tooBig = #"{"w":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]}}"#
        assertError(try Safetensors.decode(CraftedFiles.safetensors(header: tooBig, data: eightBytes)),
                    mentions: ["'w'", "integers"])
    }

    func testStrictJSONReadsWhatFoundationReadsAndRejectsTheRest() throws {
        let value = try StrictJSON.parse(Array(#"{"a":[1,-2,3.5e2,"x\u00e9\ud83d\ude00",true,null],"b":{}}"#.utf8))
        XCTAssertEqual(value["a"]?.array?.count, 6)
        XCTAssertEqual(value["a"]?.array?[1].integer, -2)
        XCTAssertNil(value["a"]?.array?[2].integer, "3.5e2 is not written as an integer")
        XCTAssertEqual(value["a"]?.array?[3].string, "xé😀")
        for bad in [#"{"a":1,"a":2}"#, #"{"a":1} x"#, #"{"a":01e}"#, #"["\ud800"]"#, "[" + String(repeating: "[", count: 100)
                    + String(repeating: "]", count: 101), #"{"a":"\u0001"#] {
            XCTAssertThrowsError(try StrictJSON.parse(Array(bad.utf8)), bad)
        }
    }

    func testIDXCountsOfAllOnesAreAnErrorNotATrap() throws {
        let dir = try CraftedFiles.tempDir()
        let path = dir + "/images-idx3-ubyte"
        try CraftedFiles.idxImages(count: .max, rows: .max, columns: .max, bytes: 16).write(to: URL(fileURLWithPath: path))
        assertError(try IDXFile.readImages(path), mentions: ["4294967295", "2^63"])
        try CraftedFiles.idxImages(count: .max, rows: 28, columns: 28, bytes: 16).write(to: URL(fileURLWithPath: path))
        assertError(try IDXFile.readImages(path), mentions: ["truncated"])
    }

    func testGzipInflationIsCappedByTheBudget() throws {
        let dir = try CraftedFiles.tempDir()
        let plain = dir + "/zeros"
        try Data(count: 4 << 20).write(to: URL(fileURLWithPath: plain))
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-f", plain]
        try gzip.run(); gzip.waitUntilExit()
        XCTAssertEqual(gzip.terminationStatus, 0)
        XCTAssertEqual(try GzipFile.read(plain + ".gz").count, 4 << 20)
        assertError(try GzipFile.read(plain + ".gz", limit: 1 << 20), mentions: ["inflates to more than 1048576", "budget"])
    }

    func testABombBehindAPlausibleIDXHeaderStopsAtTheAnnouncedSize() throws {
        let dir = try CraftedFiles.tempDir()
        let path = dir + "/train-images-idx3-ubyte"
        try CraftedFiles.idxImages(count: 2, rows: 2, columns: 2, bytes: 8 << 20).write(to: URL(fileURLWithPath: path))
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-f", path]
        try gzip.run(); gzip.waitUntilExit()
        assertError(try IDXFile.readImages(path + ".gz"), mentions: ["inflates to more than 24 bytes",
                                                                      "more than its header announces"])
    }

    func testCSVNumericTargetWithANaNIsAnErrorNotAnExtraClass() {
        var csv = "x,y\n"
        for i in 0..<200 { csv += "\(i),\(Double(i) * 0.37)\n" }
        csv += "5,NaN\n"
        assertError(try TabularDataset.parseCSV(csv, target: "y"), mentions: ["line 202", "NaN", "finite number"])
        var labels = "x,y\n"
        for i in 0..<20 { labels += "\(i),\(["cat", "dog"][i % 2])\n" }
        XCTAssertEqual(try TabularDataset.parseCSV(labels, target: "y").classCount, 2, "text classes still work")
    }
}
