/// Errors reading or writing a Deep Compression file; each names the problem.
public enum DeepCompressionError: Error, CustomStringConvertible, Equatable {
    case corrupt(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .corrupt(let m): return "corrupt or truncated compressed model: \(m)"
        case .invalid(let m): return m
        }
    }
}
