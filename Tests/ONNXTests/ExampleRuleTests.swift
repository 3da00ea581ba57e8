import PruneAutodiff
import PruneNN
import PruneTensor
import XCTest

/// Which operators keep examples (the first axis) apart (``GraphOperator/keepsExamplesApart(_:batched:)``):
/// the rule each operator states, on shapes where only the rule (not a changed extent) tells; and how many rows
/// of their outputs each example fills (``GraphOperator/exampleRows(_:rows:examples:results:)``).
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

    func integers(_ shape: [Int], _ values: [Int]) throws -> GraphValue {
        .integer(try IntegerTensor(shape: shape, values: values))
    }

    /// Layouts regroup the rows (a whole number per example), other operators keep their inputs' rows.
    func testLayoutsRegroupRows() throws {
        let x = float([4, 3, 2]), reshape = ReshapeOperator(allowZero: false)
        XCTAssertEqual(reshape.exampleRows([x, ints([12, 2])], rows: [1, 0], examples: 4, results: [float([12, 2])]),
                       [3])
        XCTAssertEqual(reshape.exampleRows([float([12, 2]), ints([4, 6])], rows: [3, 0], examples: 4,
                                           results: [float([4, 6])]), [1])
        XCTAssertNil(reshape.exampleRows([x, ints([2, 12])], rows: [1, 0], examples: 4, results: [float([2, 12])]),
                     "two rows of two examples each")
        XCTAssertNil(reshape.exampleRows([x, ints([6, 4])], rows: [1, 0], examples: 4, results: [float([6, 4])]),
                     "rows straddling two examples")
        let add = BinaryOperator(.add)
        XCTAssertEqual(add.exampleRows([float([12, 2]), float([2])], rows: [3, 0], examples: 4,
                                       results: [float([12, 2])]), [3])
        XCTAssertNil(add.exampleRows([float([12, 2]), float([12, 2])], rows: [3, 1], examples: 4,
                                     results: [float([12, 2])]), "operands whose rows hold different examples")
        XCTAssertEqual(ShapeOperator().exampleRows([x], rows: [1], examples: 4, results: [ints([4, 3, 2])]), [0])
        XCTAssertEqual(CumSumOperator(exclusive: false, reverse: false)
                        .exampleRows([x, ints([1])], rows: [1, 0], examples: 4, results: [x]), [1])
        XCTAssertNil(CumSumOperator(exclusive: false, reverse: false)
                        .exampleRows([x, ints([0])], rows: [1, 0], examples: 4, results: [x]), "sums over the batch")
        let pad = PadOperator(mode: .constant)
        XCTAssertEqual(pad.exampleRows([x, ints([0, 0, 1, 0, 0, 1])], rows: [1, 0], examples: 4,
                                       results: [float([4, 3, 4])]), [1])
        XCTAssertNil(pad.exampleRows([x, ints([1, 0, 0, 0, 0, 0])], rows: [1, 0], examples: 4,
                                     results: [float([5, 3, 2])]), "a padded first axis")
    }

    /// Gather along the first axis of rows merged per example, at indices computed from shapes: allowed when the
    /// values show each run of indices staying within its example (b·length + j), whichever sign they take.
    func testGatherAtComputedIndicesStaysWithinEachExample() throws {
        let gather = GatherOperator(axis: 0), flat = float([12, 1])   // 4 examples × length 3
        let within = try integers([4, 1, 3], (0..<4).flatMap { b in (0..<3).map { b * 3 + $0 } })
        XCTAssertEqual(gather.exampleRows([flat, within], rows: [3, 0], examples: 4, results: [float([4, 1, 3, 1])]),
                       [1])
        let negative = try integers([4, 1, 3], (0..<4).flatMap { b in (0..<3).map { b * 3 + $0 - (b == 3 ? 12 : 0) } })
        XCTAssertEqual(gather.exampleRows([flat, negative], rows: [3, 0], examples: 4,
                                          results: [float([4, 1, 3, 1])]), [1])
        var crossing = (0..<4).flatMap { b in (0..<3).map { b * 3 + $0 } }
        crossing[4] = 6   // example 1 reads a row of example 2
        XCTAssertNil(gather.exampleRows([flat, try integers([4, 1, 3], crossing)], rows: [3, 0], examples: 4,
                                        results: [float([4, 1, 3, 1])]))
        XCTAssertNil(gather.exampleRows([flat, try integers([2, 3], [0, 1, 2, 3, 4, 5])], rows: [3, 0], examples: 4,
                                        results: [float([2, 3, 1])]), "fewer index rows than examples")
        XCTAssertNil(gather.exampleRows([flat, try integers([4, 3], Array(0..<12))], rows: [3, 1], examples: 4,
                                        results: [float([4, 3, 1])]), "indices with examples of their own")
        XCTAssertEqual(GatherOperator(axis: 1).exampleRows([float([4, 3]), ints([0])], rows: [1, 0], examples: 4,
                                                           results: [float([4, 1])]), [1])
    }
}
