import Foundation
import XCTest
import PruneTensor
import PruneSparse

/// The Deep Compression codec: exact round trips of structure, bounded quantization error, clear
/// errors on damaged files.
final class DeepCompressionTests: XCTestCase {
    func prunedTensors(seed: UInt64, sparsity: Float) -> [String: Tensor] {
        var rng = RandomGenerator(seed: seed)
        var w = Tensor.normal([60, 97], using: &rng)
        for i in w.scalars.indices where rng.nextUniform() < sparsity { w.scalars[i] = 0 }
        // A long run of zeros (longer than any relative index) and an all-zero row.
        for i in 200..<700 { w.scalars[i] = 0 }
        var conv = Tensor.normal([8, 3, 3, 3], using: &rng)
        for i in conv.scalars.indices where i % 3 != 0 { conv.scalars[i] = 0 }
        return ["fc.weight": w, "fc.bias": Tensor.normal([60], using: &rng), "conv.weight": conv,
                "empty.weight": Tensor.zeros([4, 5]), "dense.weight": Tensor.normal([7, 9], using: &rng)]
    }

    func testRoundTripKeepsZerosAndQuantizesToTheSharedValues() throws {
        let tensors = prunedTensors(seed: 1, sparsity: 0.9)
        for bits in [2, 5, 8] {
            for indexBits in [1, 3, 5, 8] {
                let (data, report) = try DeepCompressionCodec.encode(tensors, metadata: ["k": "v"], options: .init(bits: bits, indexBits: indexBits))
                let (back, metadata) = try DeepCompressionCodec.decode(data)
                XCTAssertEqual(metadata, ["k": "v"])
                XCTAssertEqual(Set(back.keys), Set(tensors.keys))
                XCTAssertEqual(back["fc.bias"]!.scalars, tensors["fc.bias"]!.scalars, "raw tensors are exact")
                for name in ["fc.weight", "conv.weight", "empty.weight", "dense.weight"] {
                    let a = tensors[name]!, b = back[name]!
                    XCTAssertEqual(a.shape, b.shape)
                    // Exactly the same positions are zero (a value never rounds to zero or back).
                    XCTAssertEqual(a.scalars.map { $0 == 0 }, b.scalars.map { $0 == 0 }, "\(name) bits \(bits)/\(indexBits)")
                    XCTAssertLessThanOrEqual(Set(b.scalars.filter { $0 != 0 }).count, 1 << bits, "\(name): at most 2^bits shared values")
                    // Each weight is stored as the shared value nearest to it, and Lloyd iterations from the
                    // linear initialization never raise the squared error above that of the even grid.
                    let shared = Array(Set(b.scalars.filter { $0 != 0 }))
                    let nz = a.scalars.filter { $0 != 0 }
                    guard let lo = nz.min(), let hi = nz.max() else { continue }
                    let k = min(1 << bits, nz.count)
                    let grid = (0..<k).map { k == 1 ? (lo + hi) / 2 : lo + (hi - lo) * Float($0) / Float(k - 1) }
                    var sse = 0.0, gridSSE = 0.0
                    for (x, y) in zip(a.scalars, b.scalars) where x != 0 {
                        XCTAssertEqual(abs(x - y), shared.map { abs(x - $0) }.min()!, accuracy: 1e-6, "\(name): nearest shared value")
                        sse += Double((x - y) * (x - y))
                        let g = grid.map { abs(x - $0) }.min()!
                        gridSSE += Double(g * g)
                    }
                    XCTAssertLessThanOrEqual(sse, gridSSE * (1 + 1e-4) + 1e-9, "\(name): k-means error vs the even grid")
                }
                XCTAssertEqual(report.first { $0.name == "fc.weight" }?.encoding, "shared")
            }
        }
    }

    func testSparseWeightsCompressFarBelowFloat32() throws {
        let tensors = prunedTensors(seed: 2, sparsity: 0.92)
        let (data, _) = try DeepCompressionCodec.encode(tensors, options: .init(bits: 5, indexBits: 5))
        let dense = tensors.values.reduce(0) { $0 + $1.count * 4 }
        XCTAssertGreaterThan(Double(dense) / Double(data.count), 10)
    }

    func testKMeansCentroidsAreSortedAndAssignmentsNearest() {
        var rng = RandomGenerator(seed: 3)
        let values = (0..<2000).map { _ in rng.nextNormal() }
        let (c, a) = WeightSharing(bits: 4).cluster(values)
        XCTAssertEqual(c.count, 16)
        XCTAssertEqual(c, c.sorted())
        for (v, j) in zip(values, a) {
            let best = c.indices.min { abs(c[$0] - v) < abs(c[$1] - v) }!
            XCTAssertEqual(abs(c[j] - v), abs(c[best] - v), accuracy: 1e-6)
        }
    }

    func testDamagedFilesGiveClearErrors() throws {
        let (data, _) = try DeepCompressionCodec.encode(prunedTensors(seed: 4, sparsity: 0.8))
        let bytes = [UInt8](data)
        func expectCorrupt(_ b: [UInt8], _ what: String) {
            XCTAssertThrowsError(try DeepCompressionCodec.decode(Data(b)), what) { e in
                XCTAssertTrue("\(e)".contains("corrupt or truncated"), "\(what): \(e)")
            }
        }
        expectCorrupt([], "empty")
        expectCorrupt(Array(bytes.prefix(bytes.count / 2)), "truncated")
        expectCorrupt(Array(bytes.dropLast()), "one byte short")
        var flipped = bytes; flipped[bytes.count / 2] ^= 0x10
        expectCorrupt(flipped, "one bit flipped")
        var magic = bytes; magic[0] = 0x50 ^ 0xFF
        expectCorrupt(magic, "bad magic")
        expectCorrupt(Array("PRUNEDC\u{1}this is not a model at all".utf8), "garbage")
        // Random garbage of every length never crashes the decoder.
        var rng = RandomGenerator(seed: 5)
        for n in 0..<64 {
            let junk = DeepCompressionCodec.fileMagic + (0..<n).map { _ in UInt8(rng.nextInt(below: 256)) }
            XCTAssertThrowsError(try DeepCompressionCodec.decode(Data(junk)))
        }
    }

    func testNaNWeightsAreRejected() {
        var t = Tensor.ones([3, 3]); t.scalars[4] = .nan
        XCTAssertThrowsError(try DeepCompressionCodec.encode(["w": t])) { XCTAssertTrue("\($0)".contains("w holds NaN")) }
    }
}
