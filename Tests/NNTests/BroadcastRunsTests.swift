import XCTest
import PruneAutodiff
import PruneTensor
@testable import PruneNN

/// ``BroadcastRuns`` visits the output in row-major order with each operand's element where NumPy's
/// broadcasting puts it (checked against the index maps of ``NumericTensor/broadcastSources(from:to:)``),
/// and Where without gradients (its one-pass path) gives the values of the differentiable one.
final class BroadcastRunsTests: XCTestCase {
    func testRunsVisitTheBroadcastSources() throws {
        for (shape, operands) in [([2, 3, 4], [[2, 3, 4], [3, 1], [4], []]), ([5, 1, 3], [[1, 1, 3], [5, 1, 1]]),
                                  ([], [[], []]), ([3, 1], [[3, 1], [1]])] {
            let runs = try BroadcastRuns(shape: shape, operands: operands)
            let maps = try operands.map { try NumericTensor.broadcastSources(from: $0, to: shape) }
            var visited = 0
            runs.forEach { start, offsets, steps, count in
                for j in 0..<count {
                    XCTAssertEqual(start + j, visited)
                    for k in operands.indices {
                        XCTAssertEqual(offsets[k] + j * steps[k], maps[k][visited], "\(shape)")
                    }
                    visited += 1
                }
            }
            XCTAssertEqual(visited, shape.reduce(1, *))
        }
        XCTAssertThrowsError(try BroadcastRuns(shape: [2, 3], operands: [[4]]))
    }

    func testAxesEveryOperandStepsThroughAsOneAreMerged() throws {
        for (shape, operands, runs) in [([4, 5, 6], [[4, 5, 6], [], [4, 5, 6]], 1),
                                        ([4, 5, 6], [[4, 5, 6], [1, 5, 6]], 4), ([4, 1, 6], [[4, 1, 6], [6]], 4),
                                        ([2, 3, 4], [[2, 3, 1], [2, 3, 4]], 6)] {
            var visited = 0, count = 0
            let maps = try operands.map { try NumericTensor.broadcastSources(from: $0, to: shape) }
            try BroadcastRuns(shape: shape, operands: operands).forEach { start, offsets, steps, length in
                count += 1
                for j in 0..<length {
                    XCTAssertEqual(start + j, visited)
                    for k in operands.indices { XCTAssertEqual(offsets[k] + j * steps[k], maps[k][visited]) }
                    visited += 1
                }
            }
            XCTAssertEqual(visited, shape.reduce(1, *))
            XCTAssertEqual(count, runs, "\(shape) \(operands)")
        }
    }

    func testWhereWithoutGradientsMatchesTheDifferentiablePath() throws {
        var rng = RandomGenerator(seed: 4)
        let condition = try IntegerTensor(shape: [2, 1, 4], values: [1, 0, 0, 1, 0, 1, 1, 0])
        let x = Variable(Tensor.normal([3, 4], using: &rng), requiresGrad: true)
        let y = Variable(Tensor.normal([2, 3, 1], using: &rng), requiresGrad: true)
        let inputs: [GraphValue?] = [.integer(condition), .float(x), .float(y)]
        let tracked = try WhereOperator().run(inputs)[0].variable("Y")
        let plain = try withNoGrad { try WhereOperator().run(inputs)[0].variable("Y") }
        XCTAssertEqual(plain.shape, [2, 3, 4])
        XCTAssertEqual(plain.value.scalars, tracked.value.scalars)
    }

    /// Each kind of run of the one-pass Where (a contiguous condition with X and Y contiguous or a single value,
    /// and the strided rest), with integer and float conditions (NaN and −0 among them: nonzero is true), against
    /// the differentiable path.
    func testWhereRunsOfEveryKindMatchTheDifferentiablePath() throws {
        var rng = RandomGenerator(seed: 5)
        let full = [2, 3, 4], n = 24
        let ints = GraphValue.integer(try IntegerTensor(shape: full, values: (0..<n).map { $0 % 3 == 0 ? 0 : $0 }))
        let floats = GraphValue.float(Variable(Tensor(unchecked: full, (0..<n).map {
            [Float.nan, -0.0, 0, 1.5][$0 % 4]
        })))
        let row = GraphValue.integer(try IntegerTensor(shape: [4], values: [1, 0, 0, 1]))
        func operand(_ shape: [Int]) -> Variable { Variable(Tensor.normal(shape, using: &rng), requiresGrad: true) }
        for condition in [ints, floats, row] {
            for (xs, ys) in [(full, full), ([], full), (full, []), ([3, 1], full), ([], [])] {
                let inputs: [GraphValue?] = [condition, .float(operand(xs)), .float(operand(ys))]
                let tracked = try WhereOperator().run(inputs)[0].variable("Y")
                let plain = try withNoGrad { try WhereOperator().run(inputs)[0].variable("Y") }
                XCTAssertEqual(plain.shape, tracked.shape)
                XCTAssertEqual(plain.value.scalars, tracked.value.scalars, "\(condition.shape) \(xs) \(ys)")
            }
        }
    }
}
