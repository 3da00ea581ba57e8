import PruneAutodiff
import PruneNN
import PruneTensor
import XCTest

/// Which operators keep examples (the first axis) apart (``GraphOperator/keepsExamplesApart(_:batched:)``):
/// the rule each operator states, on shapes where only the rule (not a changed extent) tells.
final class ExampleRuleTests: XCTestCase {
    func float(_ shape: [Int]) -> GraphValue { .float(Variable(Tensor.zeros(shape))) }
    func ints(_ values: [Int]) -> GraphValue { .integer(IntegerTensor(values)) }

    func testPermutationsReductionsJoinsAndSelections() {
        let x = float([4, 4, 4])
        XCTAssertTrue(TransposeOperator(permutation: [0, 2, 1]).keepsExamplesApart([x], batched: [true]))
        XCTAssertFalse(TransposeOperator(permutation: [1, 0, 2]).keepsExamplesApart([x], batched: [true]))
        XCTAssertFalse(TransposeOperator(permutation: nil).keepsExamplesApart([x], batched: [true]))
        XCTAssertTrue(SoftmaxOperator(axis: -1).keepsExamplesApart([x], batched: [true]))
        XCTAssertFalse(SoftmaxOperator(axis: 0).keepsExamplesApart([x], batched: [true]))
        XCTAssertFalse(SoftmaxOperator(axis: -3).keepsExamplesApart([x], batched: [true]))
        let mean = ReduceOperator(.mean, axesAttribute: nil, keepDims: true)
        XCTAssertTrue(mean.keepsExamplesApart([x, ints([-1])], batched: [true, false]))
        XCTAssertFalse(mean.keepsExamplesApart([x, ints([-3])], batched: [true, false]))
        XCTAssertFalse(mean.keepsExamplesApart([x, nil], batched: [true, false]), "no axes: all of them")
        XCTAssertTrue(ConcatOperator(axis: 1).keepsExamplesApart([x, x], batched: [true, true]))
        XCTAssertFalse(ConcatOperator(axis: 0).keepsExamplesApart([x, x], batched: [true, true]))
        XCTAssertFalse(ConcatOperator(axis: -3).keepsExamplesApart([x, x], batched: [true, true]))
        XCTAssertTrue(GatherOperator(axis: 1).keepsExamplesApart([x, ints([0])], batched: [true, false]))
        XCTAssertFalse(GatherOperator(axis: 0).keepsExamplesApart([x, ints([0])], batched: [true, false]))
        XCTAssertTrue(GatherOperator(axis: 0).keepsExamplesApart([float([9, 4]), ints([1])], batched: [false, true]),
                      "rows of a table picked by each example's indices")
        let slice = SliceOperator()
        XCTAssertTrue(slice.keepsExamplesApart([x, ints([0]), ints([2]), ints([1])],
                                               batched: [true, false, false, false]))
        XCTAssertFalse(slice.keepsExamplesApart([x, ints([0]), ints([2]), ints([0])],
                                                batched: [true, false, false, false]))
        XCTAssertFalse(slice.keepsExamplesApart([x, ints([0]), ints([2])], batched: [true, false, false]),
                       "no axes: the first ones")
        XCTAssertTrue(SliceOperator(attributes: ([0], [2], [2])).keepsExamplesApart([x], batched: [true]))
        XCTAssertFalse(SliceOperator(attributes: ([0], [2], nil)).keepsExamplesApart([x], batched: [true]))
    }

    func testProductsAndBroadcasts() {
        let product = MatMulOperator()
        XCTAssertTrue(product.keepsExamplesApart([float([4, 3, 5]), float([5, 2])], batched: [true, false]))
        XCTAssertTrue(product.keepsExamplesApart([float([4, 5]), float([5, 2])], batched: [true, false]))
        XCTAssertTrue(product.keepsExamplesApart([float([4, 3, 5]), float([4, 5, 3])], batched: [true, true]))
        XCTAssertFalse(product.keepsExamplesApart([float([4, 5]), float([5, 4])], batched: [true, true]),
                       "rank 2: one example's row times every example's column")
        XCTAssertFalse(product.keepsExamplesApart([float([2, 4]), float([4, 5])], batched: [false, true]))
        XCTAssertTrue(product.keepsExamplesApart([float([2, 4]), float([4, 4, 5])], batched: [false, true]))
        let add = BinaryOperator(.add)
        XCTAssertTrue(add.keepsExamplesApart([float([4, 3]), float([3])], batched: [true, false]))
        XCTAssertTrue(add.keepsExamplesApart([float([4, 3]), float([1, 3])], batched: [true, false]))
        XCTAssertFalse(add.keepsExamplesApart([float([4, 3]), float([4, 3])], batched: [true, false]),
                       "a fixed operand with one row per example of the whole batch")
        XCTAssertFalse(add.keepsExamplesApart([float([4, 3]), float([4, 1, 1])], batched: [true, true]),
                       "a narrower operand with examples lays them along the output's second axis")
        XCTAssertTrue(add.keepsExamplesApart([float([4, 3]), float([4, 3])], batched: [true, true]))
        let window = SpatialPadding(pads: [0, 0, 0, 0], kernel: (2, 2), stride: (2, 2), dilation: (1, 1))
        let pool = PaddedPoolOperator(isMax: true, padding: window, ceilMode: false, countIncludePad: false)
        XCTAssertTrue(pool.keepsExamplesApart([float([4, 1, 4, 4])], batched: [true]))
        XCTAssertFalse(MaxPoolIndicesOperator(pool: pool, columnMajor: false)
                        .keepsExamplesApart([float([4, 1, 4, 4])], batched: [true]), "flat indices over the batch")
        XCTAssertTrue(ShapeOperator().keepsExamplesApart([float([4, 2])], batched: [true]), "reads only shapes")
    }
}
