import PruneAutodiff
import PruneTensor

extension GraphValue {
    /// Examples `range` of the value (its first axis), as a value of their own (no gradient).
    func examples(_ range: Range<Int>) -> GraphValue {
        let per = shape.dropFirst().reduce(1, *), outShape = [range.count] + shape.dropFirst()
        let span = range.lowerBound * per ..< range.upperBound * per
        switch self {
        case .float(let v): return .float(Variable(Tensor(unchecked: outShape, Array(v.value.scalars[span]))))
        case .integer(let t):
            return .integer(IntegerTensor(unchecked: outShape, Array(t.values[span])))
        }
    }

    /// The values joined along their first axis in order; each has the first one's kind and trailing axes.
    static func joiningExamples(_ parts: [GraphValue]) throws -> GraphValue {
        guard let first = parts.first else { throw GraphError.invalidValue("no values to join") }
        let trailing = first.shape.dropFirst()
        guard parts.allSatisfy({ $0.shape.count >= 1 && $0.shape.dropFirst() == trailing }) else {
            throw GraphError.invalidValue("cannot join values of shapes \(parts.map(\.shape)) by example")
        }
        let shape = [parts.reduce(0) { $0 + $1.shape[0] }] + trailing
        switch first {
        case .float:
            var scalars: [Float] = []
            for p in parts {
                guard case .float(let v) = p else { throw GraphError.invalidValue("cannot join float and integer") }
                scalars += v.value.scalars
            }
            return .float(Variable(Tensor(unchecked: shape, scalars)))
        case .integer:
            var values: [Int] = []
            for p in parts {
                guard case .integer(let t) = p else { throw GraphError.invalidValue("cannot join integer and float") }
                values += t.values
            }
            return .integer(IntegerTensor(unchecked: shape, values))
        }
    }
}

extension IntegerTensor {
    /// A tensor whose shape is known to hold exactly `values`.
    init(unchecked shape: [Int], _ values: [Int]) { self.shape = shape; self.values = values }
}
