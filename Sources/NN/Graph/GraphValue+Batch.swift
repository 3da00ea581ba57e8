import PruneAutodiff
import PruneTensor

extension GraphValue {
    /// The value with its examples (first axis) repeated in order until there are `batch` of them
    /// (a batch of stored inputs grown to a benchmark's batch size); a scalar is returned as it is.
    public func repeatingExamples(toBatch batch: Int) throws -> GraphValue {
        guard let n = shape.first, n > 0, batch > 0 else {
            throw GraphError.invalidValue(
                "cannot repeat the examples of a value of shape \(shape) to a batch of \(batch)")
        }
        let per = shape.dropFirst().reduce(1, *)
        let rows = (0..<batch).map { ($0 % n) * per }
        let outShape = [batch] + shape.dropFirst()
        switch self {
        case .float(let v):
            let s = v.value.scalars
            return .float(Variable(Tensor(unchecked: outShape, rows.flatMap { s[$0..<($0 + per)] })))
        case .integer(let t):
            return .integer(try IntegerTensor(shape: outShape, values: rows.flatMap { t.values[$0..<($0 + per)] }))
        }
    }
}
