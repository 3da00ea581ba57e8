import XCTest
import Foundation
import PruneTensor
import PruneModelIO

final class TensorSpillFileTests: XCTestCase {
    func testTensorsComeBackAsWrittenAndNoFileIsLeft() throws {
        let dir = NSTemporaryDirectory() + "prune-spill-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var rng = RandomGenerator(seed: 4)
        let a = Tensor.normal([300, 17], using: &rng), b = Tensor.normal([5], using: &rng)
        let a2 = Tensor.normal([300, 17], using: &rng)
        do {
            let spill = try TensorSpillFile(directory: dir)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), [],
                           "the spill file is unlinked at once")
            try spill.write("a", a)
            try spill.write("b", b)
            try spill.write("empty", Tensor(unchecked: [0, 4], []))
            XCTAssertEqual(try spill.read("a"), a)
            XCTAssertEqual(try spill.read("b"), b)
            XCTAssertEqual(try spill.read("empty")?.shape, [0, 4])
            XCTAssertNil(try spill.read("c"))
            try spill.write("a", a2)
            XCTAssertEqual(try spill.read("a"), a2, "a name written again reads its new value")
            XCTAssertEqual(try spill.read("b"), b)
            XCTAssertEqual(spill.byteCount, (2 * 300 * 17 + 5) * 4)
        }
        XCTAssertThrowsError(try TensorSpillFile(directory: dir + "/absent")) { e in
            XCTAssertTrue(String(describing: e).contains("temporary file"), "\(e)")
        }
    }
}
