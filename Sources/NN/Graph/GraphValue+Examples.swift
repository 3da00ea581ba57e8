import PruneAutodiff
import PruneTensor

extension GraphValue {
    /// Examples `range` of the value (its first axis), as a value of their own (no gradient).
    func examples(_ range: Range<Int>) throws -> GraphValue {
        switch self {
        case .float(let v):
            return .float(Variable(try v.value.slice(axis: 0, start: range.lowerBound, end: range.upperBound)))
        case .integer(let t):
            let per = shape.dropFirst().reduce(1, *), span = range.lowerBound * per ..< range.upperBound * per
            return .integer(try IntegerTensor(shape: [range.count] + shape.dropFirst(), values: Array(t.values[span])))
        }
    }

    /// The values joined along their first axis in order; each has the first one's kind and trailing axes.
    static func joiningExamples(_ parts: [GraphValue]) throws -> GraphValue {
        let floats = parts.compactMap { if case .float(let v) = $0 { v.value } else { nil } }
        if !floats.isEmpty {
            guard floats.count == parts.count else { throw GraphError.invalidValue("cannot join float and integer") }
            return .float(Variable(try Tensor.concat(floats, axis: 0)))
        }
        let integers = try parts.map { try $0.integers("a part's output") }
        guard let trailing = integers.first?.shape.dropFirst(),
              integers.allSatisfy({ $0.rank >= 1 && $0.shape.dropFirst() == trailing }) else {
            throw GraphError.invalidValue("cannot join values of shapes \(parts.map(\.shape)) by example")
        }
        return .integer(try IntegerTensor(shape: [integers.reduce(0) { $0 + $1.shape[0] }] + trailing,
                                          values: integers.flatMap(\.values)))
    }
}
