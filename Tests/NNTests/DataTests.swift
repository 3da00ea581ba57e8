import XCTest
import TestSupport
import Foundation
import PruneTensor
import PruneAutodiff
@testable import PruneNN

final class DataTests: XCTestCase {
    func tempFile(_ bytes: [UInt8], gzip: Bool = false) throws -> String {
        let path = NSTemporaryDirectory() + "prune-idx-\(UUID().uuidString)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        if gzip {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["gzip", "-n", path]
            try p.run(); p.waitUntilExit()
            return path + ".gz"
        }
        return path
    }

    func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 255), UInt8((v >> 8) & 255), UInt8(v & 255)] }

    func testReadsWellFormedIDXPlainAndGzipped() throws {
        let bytes = be(0x803) + be(2) + be(2) + be(3) + (0..<12).map { UInt8($0) }
        for gz in [false, true] {
            let img = try IDXFile.readImages(try tempFile(bytes, gzip: gz))
            XCTAssertEqual(img.count, 2); XCTAssertEqual(img.rows, 2); XCTAssertEqual(img.columns, 3)
            XCTAssertEqual(img.pixels, (0..<12).map { UInt8($0) })
        }
        XCTAssertEqual(try IDXFile.readLabels(try tempFile(be(0x801) + be(3) + [7, 8, 9])), [7, 8, 9])
    }

    func testCorruptIDXFilesNameTheFileAndProblem() throws {
        let truncated = try tempFile(be(0x803) + be(2) + be(2) + be(3) + [1, 2, 3])
        XCTAssertThrowsError(try IDXFile.readImages(truncated)) { e in
            let m = String(describing: e)
            XCTAssertTrue(m.hasPrefix(truncated) && m.contains("truncated"), m)
        }
        let wrongMagic = try tempFile(be(0x801) + be(1) + be(1) + be(1) + [3])
        XCTAssertThrowsError(try IDXFile.readImages(wrongMagic)) { e in XCTAssertTrue(String(describing: e).contains("bad magic")) }
        XCTAssertThrowsError(try IDXFile.readLabels(try tempFile([0, 0]))) { e in XCTAssertTrue(String(describing: e).contains("too short")) }
        XCTAssertThrowsError(try IDXFile.readLabels(try tempFile(be(0x801) + be(5) + [1]))) { e in
            XCTAssertTrue(String(describing: e).contains("announces 5 labels"))
        }
        // A gzip stream cut in half.
        let gz = try tempFile(be(0x803) + be(50) + be(10) + be(10) + (0..<5000).map { UInt8($0 % 251) }, gzip: true)
        let data = try Data(contentsOf: URL(fileURLWithPath: gz))
        let cut = try tempFile([UInt8](data.prefix(data.count / 2)))
        let cutGz = cut + ".gz"
        try FileManager.default.moveItem(atPath: cut, toPath: cutGz)
        XCTAssertThrowsError(try IDXFile.readImages(cutGz)) { e in
            let m = String(describing: e)
            XCTAssertTrue(m.hasPrefix(cutGz) && (m.contains("gzip") || m.contains("truncated")), m)
        }
        XCTAssertThrowsError(try IDXFile.readImages("/nonexistent/file")) { e in XCTAssertTrue(String(describing: e).contains("cannot open")) }
    }

    func testFashionMNISTFromTheDebianPackage() throws {
        guard FashionMNIST.isAvailable() else { throw MissingTestInput("Fashion-MNIST (dataset-fashion-mnist)") }
        let test = try FashionMNIST.load(.test)
        XCTAssertEqual(test.images.shape, [10000, 1, 28, 28])
        XCTAssertEqual(Set(test.labels), Set(0..<10))
        XCTAssertEqual(test.labels.filter { $0 == 3 }.count, 1000, "Fashion-MNIST's test set is balanced")
        let stats = try test.channelStatistics()
        XCTAssertEqual(stats.mean, 0.286, accuracy: 0.005)
        XCTAssertEqual(stats.std, 0.353, accuracy: 0.005)
        XCTAssertThrowsError(try FashionMNIST.load(.train, directory: "/nonexistent")) { e in
            XCTAssertTrue(String(describing: e).contains("apt-get install dataset-fashion-mnist"))
        }
    }

    func testLoaderShufflesDeterministicallyAndNormalizes() throws {
        let images = Tensor(unchecked: [10, 1, 1, 2], (0..<20).map { Float($0) })
        let set = try LabeledImages(images: images, labels: Array(0..<10), classes: 10)
        let a = try DataLoader(set, batchSize: 4, shuffle: true, seed: 7, epoch: 1, mean: 1, std: 2)
        let b = try DataLoader(set, batchSize: 4, shuffle: true, seed: 7, epoch: 1, mean: 1, std: 2)
        let c = try DataLoader(set, batchSize: 4, shuffle: true, seed: 7, epoch: 2, mean: 1, std: 2)
        XCTAssertEqual(a.order(), b.order())
        XCTAssertNotEqual(a.order(), c.order())
        let batches = Array(a)
        XCTAssertEqual(batches.map(\.labels.count), [4, 4, 2])
        XCTAssertEqual(Set(batches.flatMap(\.labels)), Set(0..<10))
        let first = batches[0]
        XCTAssertEqual(first.images.shape, [4, 1, 1, 2])
        XCTAssertEqual(first.images.scalars[0], (Float(first.labels[0] * 2) - 1) / 2)
        XCTAssertThrowsError(try DataLoader(set, batchSize: 0))
    }

    func testTrainingLearnsFashionMNIST() throws {
        guard FashionMNIST.isAvailable() else { throw MissingTestInput("Fashion-MNIST (dataset-fashion-mnist)") }
        let train = try FashionMNIST.load(.train).prefix(12_000)
        let test = try FashionMNIST.load(.test).prefix(2_000)
        let model = try ModelZoo.make("lenet300", seed: 0)
        let opt = Adam(model.parameters().map(\.parameter), learningRate: 1e-3)
        var step = 0
        let before = try Trainer.evaluate(model, loader: DataLoader(test, batchSize: 256, mean: 0.286, std: 0.353))
        let r = try Trainer.trainEpoch(model, loader: DataLoader(train, batchSize: 64, shuffle: true, seed: 0, mean: 0.286, std: 0.353),
                                       optimizer: opt, step: &step)
        let after = try Trainer.evaluate(model, loader: DataLoader(test, batchSize: 256, mean: 0.286, std: 0.353))
        XCTAssertEqual(step, 188)
        XCTAssertLessThan(before.accuracy, 0.3)
        XCTAssertGreaterThan(after.accuracy, 0.78, "one epoch on 12k images: \(after.accuracy)")
        XCTAssertLessThan(r.loss, 1.0)
        // Same seed, same model.
        let again = try ModelZoo.make("lenet300", seed: 0)
        let opt2 = Adam(again.parameters().map(\.parameter), learningRate: 1e-3)
        var step2 = 0
        _ = try Trainer.trainEpoch(again, loader: DataLoader(train, batchSize: 64, shuffle: true, seed: 0, mean: 0.286, std: 0.353),
                                   optimizer: opt2, step: &step2)
        XCTAssertEqual(again.parameters().map(\.parameter.value), model.parameters().map(\.parameter.value), "training is deterministic")
    }
}
