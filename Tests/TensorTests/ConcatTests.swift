import XCTest
@testable import PruneTensor

/// Tensor.concat against the definition (out[o][offset_p + j] = part p's [o][j] for each of the outer blocks),
/// with parts large enough that their copies are spread over the cores in chunks that cut blocks in two, an
/// empty part, and every axis.
final class ConcatTests: XCTestCase {
    /// The value of `parts` concatenated along `axis` at outer block `o`, position `q` of the block.
    func definition(_ parts: [Tensor], axis a: Int, outer o: Int, at q: Int) -> Float {
        let inner = parts[0].shape[(a + 1)...].reduce(1, *)
        var q = q
        for p in parts {
            let w = p.shape[a] * inner
            if q < w { return p.scalars[o * w + q] }
            q -= w
        }
        return .nan
    }

    func check(_ shapes: [[Int]], axis a: Int, seed: UInt64) throws {
        var rng = RandomGenerator(seed: seed)
        let parts = shapes.map { Tensor.normal($0, using: &rng) }
        let out = try Tensor.concat(parts, axis: a)
        var want = shapes[0]
        want[a] = shapes.map { $0[a] }.reduce(0, +)
        XCTAssertEqual(out.shape, want)
        let outer = want[..<a].reduce(1, *), row = want[a...].reduce(1, *)
        XCTAssertEqual(out.count, outer * row)
        var wrong = 0
        for o in 0..<outer {
            for q in 0..<row where out.scalars[o * row + q] != definition(parts, axis: a, outer: o, at: q) {
                wrong += 1
            }
        }
        XCTAssertEqual(wrong, 0, "\(shapes) along \(a)")
    }

    func testLargePartsAreCopiedInChunksThatCutBlocks() throws {
        // 144,003 and 288,006 values in the parts along axis 1: copied in chunks over the cores that cut blocks.
        try check([[3, 1, 48_001], [3, 0, 48_001], [3, 2, 48_001]], axis: 1, seed: 1)
        try check([[1, 96, 55, 55], [1, 64, 55, 55]], axis: 1, seed: 2)
        try check([[2, 5, 7], [2, 5, 70_001]], axis: 2, seed: 3)
    }

    func testSmallPartsAlongEveryAxis() throws {
        for a in 0..<3 {
            var second = [2, 3, 4]
            second[a] = 5
            try check([[2, 3, 4], second, [2, 3, 4]], axis: a, seed: UInt64(10 + a))
        }
    }
}
