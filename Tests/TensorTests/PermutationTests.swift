import XCTest
@testable import PruneTensor

/// Permutations copied by merged runs against the definition, index by index.
final class PermutationTests: XCTestCase {
    func reference(_ x: Tensor, _ order: [Int]) -> [Float] {
        let outShape = order.map { x.shape[$0] }, inStrides = Tensor.strides(of: x.shape)
        let outStrides = Tensor.strides(of: outShape)
        return (0..<x.count).map { flat in
            var rest = flat, source = 0
            for (axis, stride) in outStrides.enumerated() {
                source += (rest / stride) * inStrides[order[axis]]
                rest %= stride
            }
            return x.scalars[source]
        }
    }

    func testPermutationsMatchTheDefinition() throws {
        var rng = RandomGenerator(seed: 3)
        let cases: [([Int], [Int])] = [([1, 3, 4, 5, 6], [0, 2, 1, 3, 4]), ([2, 3, 4, 5], [0, 2, 1, 3]),
                                       ([2, 1, 3, 1, 4], [4, 3, 2, 1, 0]), ([3, 4, 5], [2, 0, 1]),
                                       ([2, 3, 4, 5], [3, 2, 0, 1]), ([1, 1, 7], [2, 0, 1]), ([4, 5], [1, 0]),
                                       ([2, 3, 4], [0, 1, 2]), ([2, 0, 3], [2, 1, 0]), ([6, 2, 2, 3], [1, 0, 3, 2]),
                                       ([3, 1, 5], [0, 2, 1]), ([2, 3, 1, 4], [0, 2, 1, 3]),
                                       ([2, 1, 3, 1, 4], [0, 3, 2, 1, 4]), ([4, 1, 3], [1, 2, 0]),
                                       // Matrix transposes with partial 8×8 and 16×16 blocks (prune_transpose_f32).
                                       ([37, 70], [1, 0]), ([19, 3, 33], [1, 2, 0])]
        for (shape, order) in cases {
            let x = Tensor.normal(shape, using: &rng)
            let y = try x.permuted(order)
            XCTAssertEqual(y.shape, order.map { shape[$0] }, "\(shape) by \(order)")
            XCTAssertEqual(y.scalars, reference(x, order), "\(shape) by \(order)")
        }
        XCTAssertThrowsError(try Tensor.zeros([2, 3]).permuted([0, 0]))
    }

    func testCoalescingMergesAxesThatStayAdjacent() {
        let merged = Tensor.coalesced(shape: [1, 3, 80, 28, 28], order: [0, 2, 1, 3, 4])
        XCTAssertEqual(merged.shape, [3, 80, 784])
        XCTAssertEqual(merged.order, [1, 0, 2])
        XCTAssertEqual(Tensor.coalesced(shape: [2, 3, 4], order: [0, 1, 2]).order.count, 1)
        // An extent-1 axis between two axes that keep their order: one run, no transpose.
        XCTAssertEqual(Tensor.coalesced(shape: [3, 1, 5], order: [0, 2, 1]).order, [0])
        XCTAssertEqual(Tensor.coalesced(shape: [3, 1, 5], order: [0, 2, 1]).shape, [15])
    }
}
