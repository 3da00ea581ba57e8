import XCTest
import Foundation
import PruneTensor
import PruneNN
@testable import PruneModelIO

final class SafetensorsTests: XCTestCase {
    func fixture(_ name: String) throws -> String {
        try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "safetensors", subdirectory: "Fixtures")).path
    }

    func tempDir() throws -> String {
        let d = NSTemporaryDirectory() + "prune-io-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    func testReadsPythonWrittenFileAndWritesTheSameBytes() throws {
        let path = try fixture("python_f32")
        let state = try Safetensors.read(path)
        XCTAssertEqual(state["fc1.weight"]!.shape, [3, 4])
        XCTAssertEqual(state["fc1.weight"]!.scalars, (0..<12).map { Float($0) / 8 })
        XCTAssertEqual(state["fc1.bias"]!.scalars, [-1.5, 0.25, 3.0])
        XCTAssertEqual(state["features.0.weight"]!.shape, [2, 1, 3, 3])
        XCTAssertEqual(state["scalar"]!.shape, [])
        XCTAssertEqual(state["scalar"]!.scalars, [7])
        XCTAssertEqual(state["empty"]!.shape, [0, 3])
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        XCTAssertEqual(try Safetensors.encode(state), original, "Prune's bytes differ from the Python safetensors package's")
    }

    func testConvertsOtherDTypesToFloat() throws {
        let s = try Safetensors.read(try fixture("python_dtypes"))
        XCTAssertEqual(s["half"]!.scalars, [1, -2.5, 0.000061035156, 65504])
        XCTAssertEqual(s["double"]!.shape, [1, 2])
        XCTAssertEqual(s["double"]!.scalars, [1.25, -3.5])
        XCTAssertEqual(s["long"]!.scalars, [5, -7, 1_048_576])
        XCTAssertEqual(s["int"]!.scalars, [3, -4])
        XCTAssertEqual(s["byte"]!.scalars, [0, 255])
        XCTAssertEqual(s["flag"]!.scalars, [1, 0, 1])
    }

    func testRoundTripWithMetadata() throws {
        var rng = RandomGenerator(seed: 9)
        let state = StateDict(["a": .normal([3, 5], using: &rng), "b.c": .normal([7], using: &rng)], metadata: ["model": "x \"quoted\""])
        let dir = try tempDir()
        try Safetensors.write(state, to: dir + "/m.safetensors")
        XCTAssertEqual(try Safetensors.read(dir + "/m.safetensors"), state)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["m.safetensors"], "no temporary file is left behind")
    }

    /// Builds a file from a header and data, for the corruption tests.
    func file(header: String, data: [UInt8]) -> Data {
        var d = Data()
        var n = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { d.append(contentsOf: $0) }
        d.append(contentsOf: Array(header.utf8))
        d.append(contentsOf: data)
        return d
    }

    func assertError(_ data: Data, contains words: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try Safetensors.decode(data, file: "bad.safetensors"), file: file, line: line) { e in
            let msg = String(describing: e)
            XCTAssertTrue(msg.hasPrefix("bad.safetensors: "), "error does not name the file: \(msg)", file: file, line: line)
            for w in words { XCTAssertTrue(msg.contains(w), "'\(msg)' lacks '\(w)'", file: file, line: line) }
        }
    }

    func testCorruptFilesGiveClearErrors() throws {
        let good = try Data(contentsOf: URL(fileURLWithPath: try fixture("python_f32")))
        assertError(good.prefix(5), contains: ["truncated"])
        assertError(good.prefix(good.count - 3), contains: ["outside"])
        assertError(good.prefix(40), contains: ["truncated"])
        var huge = good; huge[7] = 0x7F
        assertError(huge, contains: ["100 MB"])
        assertError(file(header: "[1, 2]", data: []), contains: ["JSON object"])
        assertError(file(header: "{\"a\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", data: Array(repeating: 0, count: 8)),
                    contains: ["unsupported dtype C64", "'a'"])
        assertError(file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", data: Array(repeating: 0, count: 8)),
                    contains: ["'a'", "needs 12"])
        assertError(file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                         data: Array(repeating: 0, count: 8)), contains: ["overlaps"])
        assertError(file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", data: Array(repeating: 0, count: 8)),
                    contains: ["gap"])
        assertError(file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", data: Array(repeating: 0, count: 8)),
                    contains: ["cover 4 of the 8"])
        assertError(file(header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", data: Array(repeating: 0, count: 4)),
                    contains: ["non-negative"])
        XCTAssertThrowsError(try Safetensors.read("/nonexistent/x.safetensors")) { e in
            XCTAssertTrue(String(describing: e).contains("/nonexistent/x.safetensors"))
        }
    }

    func testMappedFileReadsEachTensorAsTheWholeFileDoes() throws {
        for name in ["python_f32", "python_dtypes"] {
            let path = try fixture(name)
            let whole = try Safetensors.read(path), mapped = try SafetensorsFile(path: path)
            XCTAssertEqual(mapped.names, whole.tensors.keys.sorted(), name)
            XCTAssertEqual(mapped.metadata, whole.metadata, name)
            for n in mapped.names { XCTAssertEqual(try mapped.tensor(n), whole[n], "\(name): \(n)") }
            XCTAssertNil(try mapped.tensor("absent"))
        }
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let good = try Data(contentsOf: URL(fileURLWithPath: try fixture("python_f32")))
        try good.prefix(good.count - 3).write(to: URL(fileURLWithPath: dir + "/cut.safetensors"))
        XCTAssertThrowsError(try SafetensorsFile(path: dir + "/cut.safetensors")) { e in
            let msg = String(describing: e)
            XCTAssertTrue(msg.hasPrefix(dir + "/cut.safetensors: ") && msg.contains("outside"), msg)
        }
        XCTAssertThrowsError(try SafetensorsFile(path: dir + "/absent.safetensors")) { e in
            XCTAssertTrue(String(describing: e).contains("absent.safetensors"))
        }
    }

    func testFailedSaveLeavesNoFileAndKeepsTheOldOne() throws {
        let dir = try tempDir()
        let path = dir + "/m.safetensors"
        let good = StateDict(["w": .ones([2])])
        try Safetensors.write(good, to: path)
        XCTAssertThrowsError(try Safetensors.write(StateDict(["": .ones([1])]), to: path))
        XCTAssertEqual(try Safetensors.read(path), good, "the old file is intact")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["m.safetensors"])
        XCTAssertThrowsError(try Safetensors.write(good, to: dir + "/missing/m.safetensors")) { e in
            XCTAssertTrue(String(describing: e).contains("does not exist"))
        }
    }

    func testCheckpointMustMatchTheModel() throws {
        var rng = RandomGenerator(seed: 1)
        let model = LeNet300.make(rng: &rng)
        var state = model.stateDict()
        XCTAssertNoThrow(try model.load(state, file: "ok.safetensors"))

        var wrongShape = state
        wrongShape["fc2.weight"] = .zeros([100, 299])
        XCTAssertThrowsError(try model.load(wrongShape, file: "w.safetensors")) { e in
            let m = String(describing: e)
            XCTAssertTrue(m.contains("w.safetensors") && m.contains("fc2.weight") && m.contains("[100, 299]") && m.contains("[100, 300]"), m)
        }
        var missing = state
        missing["fc3.bias"] = nil
        XCTAssertThrowsError(try model.load(missing, file: "m.safetensors")) { e in
            XCTAssertTrue(String(describing: e).contains("fc3.bias"))
        }
        var extra = state
        extra["fc4.weight"] = .zeros([1])
        XCTAssertThrowsError(try model.load(extra, file: "e.safetensors")) { e in
            XCTAssertTrue(String(describing: e).contains("fc4.weight"))
        }
        XCTAssertNoThrow(try model.load(extra, options: [.noMissingKeys], file: "e.safetensors"))
        state["fc1.bias"]!.scalars[3] = .nan
        let before = try model.parameter(at: "fc1.bias").value
        XCTAssertThrowsError(try model.load(state, file: "n.safetensors")) { e in
            XCTAssertTrue(String(describing: e).contains("NaN"))
        }
        XCTAssertEqual(try model.parameter(at: "fc1.bias").value, before, "a failed load changes nothing")
    }

    func testModelRoundTripsThroughAFile() throws {
        var rng = RandomGenerator(seed: 2)
        let a = ResNetSmall.make(rng: &rng)
        let b = ResNetSmall.make(rng: &rng)
        let dir = try tempDir()
        try Safetensors.write(a.stateDict(), to: dir + "/r.safetensors")
        try b.load(Safetensors.read(dir + "/r.safetensors"))
        XCTAssertEqual(a.stateDict(), b.stateDict())
        XCTAssertTrue(a.stateDict().tensors.keys.contains("layer2.0.shortcut.1.running_var"))
    }
}
