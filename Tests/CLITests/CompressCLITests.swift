import Foundation
import XCTest
import TestSupport
import PruneNN

/// Deep Compression end to end: LeNet-300-100 trained on Fashion-MNIST, pruned to 92% and fine-tuned,
/// compressed with 5-bit shared weights and Huffman coding, decompressed and evaluated.
final class CompressCLITests: XCTestCase {
    func testLeNet300At92PercentCompressesOver30TimesWithoutLosingAccuracy() throws {
        try PruneCLI.requireFashionMNIST()
        let dir = NSTemporaryDirectory() + "prune-compress-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let train = try PruneCLI.run(["train", "--model", "lenet300", "--epochs", "3", "--seed", "1", "--out", dir + "/dense.safetensors", "--quiet"])
        XCTAssertEqual(train.status, 0, train.err)
        let prune = try PruneCLI.run(["prune", "--model", "lenet300", "--weights", dir + "/dense.safetensors", "--sparsity", "0.92",
                                      "--schedule", "iterative", "--rate", "0.6", "--finetune-epochs", "1", "--out", dir + "/p92.safetensors", "--quiet"])
        XCTAssertEqual(prune.status, 0, prune.err)
        let r = try PruneCLI.run(["compress", dir + "/p92.safetensors", "--out", dir + "/p92.prune", "--model", "lenet300", "--bits", "5", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let obj = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any])
        let ratio = try XCTUnwrap(obj["ratioToDenseFloat32"] as? Double)
        let before = try XCTUnwrap(obj["accuracyBefore"] as? Double), after = try XCTUnwrap(obj["accuracyAfter"] as? Double)
        print("Deep Compression of LeNet-300-100 at 92%: \(ratio)× smaller, accuracy \(before) → \(after)")
        XCTAssertGreaterThanOrEqual(ratio, 30)
        XCTAssertLessThanOrEqual(abs(after - before), 0.005)
        let size = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: dir + "/p92.prune")[.size] as? Int)
        XCTAssertEqual(size, obj["compressedBytes"] as? Int)

        let d = try PruneCLI.run(["decompress", dir + "/p92.prune", "--out", dir + "/back.safetensors"])
        XCTAssertEqual(d.status, 0, d.err)
        let e = try PruneCLI.run(["eval", "--model", "lenet300", "--weights", dir + "/back.safetensors", "--json"])
        XCTAssertEqual(e.status, 0, e.err)
        let eval = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(e.out.utf8)) as? [String: Any])
        let test = try XCTUnwrap(eval["test"] as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(test["accuracy"] as? Double), after, accuracy: 1e-6)

        // A truncated file: one clear line, non-zero exit, no output file.
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/p92.prune"))
        try data.prefix(data.count - 100).write(to: URL(fileURLWithPath: dir + "/cut.prune"))
        let bad = try PruneCLI.run(["decompress", dir + "/cut.prune", "--out", dir + "/cut.safetensors"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("corrupt or truncated"), bad.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/cut.safetensors"))
        let same = try PruneCLI.run(["compress", dir + "/p92.safetensors", "--out", dir + "/p92.safetensors"])
        XCTAssertNotEqual(same.status, 0)
    }
}
