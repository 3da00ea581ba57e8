import PruneAutodiff
@testable import PruneNN
import PruneTensor
import XCTest

/// Truth-valued logic operators read their operands where they are, one broadcast run at a time; the results
/// are those of the general element-by-element path over Double copies, for floats (NaN and ±∞ included),
/// integers and broadcasts.
final class LogicOperatorTests: XCTestCase {
    func testTestsMatchTheGeneralPath() throws {
        let specials: [Float] = [0, 1, -1, 2.5, .nan, .infinity, -.infinity, 0, 3]
        let a = GraphValue.float(Variable(Tensor(unchecked: [3, 1, 3], specials)))
        let b = GraphValue.float(Variable(Tensor(unchecked: [3, 3], [0, 1, 2.5, .nan, -1, 3, 0, 0, 1])))
        let ints = GraphValue.integer(try IntegerTensor(shape: [1, 3], values: [0, 1, 3]))
        // One value per row: repeated along the last axis (a run with step 0 beside one with step 1).
        let column = GraphValue.float(Variable(Tensor(unchecked: [3, 1], [2.5, .nan, 0])))
        let cases: [[GraphValue]] = [[a, b], [b, b], [a, ints], [ints, ints], [ints, a], [column, b], [b, column]]
        var ops = LogicOperator.catalog.values.filter { $0.test != nil }
        ops.append(LogicOperator.isInf(positive: true, negative: false))
        XCTAssertEqual(ops.count, 11)
        for op in ops {
            for operands in cases {
                let given = Array(operands.prefix(op.arity))
                let fast = try op.run(given)[0]
                let general = try NumericTensor.combine(given.map(NumericTensor.init), integerResult: true) {
                    op.function($0)
                }.graphValue
                guard case .integer(let f) = fast, case .integer(let g) = general else { return XCTFail(op.name) }
                XCTAssertEqual(f, g, "\(op.name) on \(given.map(\.shape))")
            }
        }
        XCTAssertThrowsError(try LogicOperator.catalog["Equal"]!.run([a, .integer(IntegerTensor([1, 2]))]))
    }
}
