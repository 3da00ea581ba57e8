/// Why an ONNX model cannot be imported or exported; every case names what is wrong and where.
public enum ONNXError: Error, CustomStringConvertible, Equatable {
    case malformed(file: String, reason: String)
    case unsupportedOperator(opType: String, node: String, opset: Int)
    case unsupportedOpset(domain: String, version: Int)
    case unknownDomain(domain: String, node: String)
    case missingValue(node: String, input: String)
    case cycle(nodes: [String])
    case invalidNode(node: String, opType: String, reason: String)
    /// A valid node that uses a form of its operator Prune does not implement.
    case unsupportedFeature(node: String, opType: String, reason: String)

    /// Whether the model is valid ONNX that Prune does not (yet) import, rather than a broken model.
    public var isUnsupported: Bool {
        switch self {
        case .unsupportedOperator, .unsupportedOpset, .unknownDomain, .unsupportedFeature: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case let .malformed(f, r): return "\(f): not a valid ONNX model: \(r)"
        case let .unsupportedOperator(op, n, v):
            return "operator \(op) (node '\(n)', opset \(v)) is not supported; supported: \(ONNXOperatorSet.supported.joined(separator: ", "))"
        case let .unsupportedOpset(d,
                                   v): return "opset \(v) of domain '\(d.isEmpty ? "ai.onnx" : d)' is not supported (Prune imports ai.onnx opsets \(ONNXOperatorSet.opsets.lowerBound) to \(ONNXOperatorSet.opsets.upperBound), and \(ONNXOperatorSet.earlyOpsets.lowerBound) to \(ONNXOperatorSet.earlyOpsets.upperBound) for operators defined there as at opset 6)"
        case let .unknownDomain(d,
                                n): return "node '\(n)' uses the operator domain '\(d)', which Prune does not know (only ai.onnx)"
        case let .missingValue(n,
                               i): return "node '\(n)' reads '\(i)', which no node, graph input or initializer provides"
        case let .cycle(ns): return "the graph has a cycle through the nodes \(ns.prefix(8).map { "'\($0)'" }.joined(separator: ", "))"
        case let .invalidNode(n, op, r): return "node '\(n)' (\(op)): \(r)"
        case let .unsupportedFeature(n, op, r): return "node '\(n)' (\(op)): \(r) is not supported"
        }
    }
}
