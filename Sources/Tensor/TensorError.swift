/// An error raised by a tensor operation. Every case names the operation and the offending shapes
/// or values, so a message alone is enough to find the mistake.
public enum TensorError: Error, CustomStringConvertible, Equatable {
    /// The shapes given to `op` do not fit together.
    case shapeMismatch(op: String, shapes: [[Int]], reason: String)
    /// An argument of `op` is out of its range.
    case invalidArgument(op: String, reason: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(op, shapes, reason):
            let s = shapes.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" }.joined(separator: " and ")
            return "\(op): shapes \(s) do not fit: \(reason)"
        case let .invalidArgument(op, reason):
            return "\(op): \(reason)"
        }
    }
}

extension TensorError: CustomDebugStringConvertible {
    public var debugDescription: String { description }
}
