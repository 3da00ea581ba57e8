import PruneAutodiff
import PruneTensor

/// Several graph inputs (a transformer export's `input_ids`, `attention_mask`, `token_type_ids`)
/// packed into one float tensor of examples [N, width], so data loaders, calibration, fine-tuning
/// and evaluation, which see one input tensor, carry all of them: each example's row holds every
/// input's values in order, and ``GraphModel/feeds(for:)`` cuts a batch of rows back into the
/// inputs by name (integers as integer tensors).
public struct GraphInputPacking: Sendable {
    /// Each input's name, the shape of one example, and whether it holds integers.
    public let entries: [(name: String, shape: [Int], isInteger: Bool)]

    public init(entries: [(name: String, shape: [Int], isInteger: Bool)]) { self.entries = entries }

    /// Values per example row.
    public var width: Int { entries.reduce(0) { $0 + $1.shape.reduce(1, *) } }

    /// The packing of `graph`'s inputs for tensors of examples given by input name ([N, …] each, the
    /// same N); an error names an input without a tensor or one whose shape the graph does not take.
    public static func of(_ graph: GraphModel, tensors: [String: Tensor]) throws -> GraphInputPacking {
        var entries: [(name: String, shape: [Int], isInteger: Bool)] = []
        var count: Int?
        for input in graph.inputs {
            guard let t = tensors[input.name] else {
                throw GraphError.invalidValue("no tensor \"\(input.name)\" for the graph input of that name")
            }
            let example = Array(t.shape.dropFirst())
            guard t.rank == input.shape.count, t.rank >= 1,
                  zip(input.shape.dropFirst(), example).allSatisfy({ $0 == nil || $0 == $1 }) else {
                throw GraphError.invalidValue("\"\(input.name)\" has shape \(t.shape); the graph input is "
                    + "[\(input.shape.map { $0.map(String.init) ?? "?" }.joined(separator: ", "))]")
            }
            guard count == nil || count == t.shape[0] else {
                throw GraphError.invalidValue(
                    "\"\(input.name)\" holds \(t.shape[0]) examples, the other inputs \(count!)")
            }
            count = t.shape[0]
            entries.append((input.name, example, input.isInteger))
        }
        return GraphInputPacking(entries: entries)
    }

    /// The tensors of examples as rows [N, width], in the entries' order.
    public func pack(_ tensors: [String: Tensor]) throws -> Tensor {
        let parts = try entries.map { e -> Tensor in
            guard let t = tensors[e.name] else { throw GraphError.invalidValue("no tensor \"\(e.name)\"") }
            return try t.reshaped([t.shape[0], e.shape.reduce(1, *)])
        }
        return try Tensor.concat(parts, axis: 1)
    }

    /// A batch of packed rows [B, width] cut back into the inputs, by name.
    public func feeds(_ x: Variable) throws -> [String: GraphValue] {
        guard x.shape.count == 2, x.shape[1] == width else {
            throw GraphError.invalidValue("packed inputs must be [N, \(width)], got \(x.shape)")
        }
        var feeds: [String: GraphValue] = [:], start = 0
        for e in entries {
            let n = e.shape.reduce(1, *), batch = x.shape[0]
            let part = try x.slice(axis: 1, start: start, end: start + n).reshaped([batch] + e.shape)
            start += n
            feeds[e.name] = e.isInteger ? .integer(try IntegerTensor(shape: part.shape,
                                                                     values: part.value.scalars.map { Int($0) }))
                : .float(part)
        }
        return feeds
    }
}
