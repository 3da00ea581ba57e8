import Foundation
import ONNXProto
import PruneTensor

/// An ONNX graph built node by node, for exporting models written in Swift: unique value names,
/// Float32 initializers as raw data, attributes of the kinds the exported operators use.
public struct ONNXGraphWriter {
    var graph = Onnx_GraphProto()
    private var used: Set<String> = []

    /// A value name not used yet, from `base` (a module path with dots kept).
    public mutating func name(_ base: String) -> String {
        let clean = base.isEmpty ? "value" : base
        var candidate = clean, n = 1
        while used.contains(candidate) { n += 1; candidate = "\(clean)_\(n)" }
        used.insert(candidate)
        return candidate
    }

    /// Adds a Float32 initializer and returns its name.
    public mutating func constant(_ base: String, _ tensor: Tensor) -> String {
        let n = name(base)
        graph.initializer.append(ONNXTensorCodec.proto(name: n, tensor: tensor))
        return n
    }

    /// Adds a node of `op` and returns the name of its (single) output, a fresh name from `base`.
    @discardableResult
    public mutating func node(_ op: String, _ inputs: [String], output base: String,
                              attributes: [Onnx_AttributeProto] = []) -> String {
        node(op, inputs, exactly: name(base), attributes: attributes)
    }

    /// Adds a node of `op` whose output is `output`, a name taken with ``name(_:)`` before.
    @discardableResult
    public mutating func node(_ op: String, _ inputs: [String], exactly output: String,
                              attributes: [Onnx_AttributeProto] = []) -> String {
        var node = Onnx_NodeProto()
        node.opType = op
        node.input = inputs
        node.name = output
        node.output = [output]
        node.attribute = attributes
        graph.node.append(node)
        return output
    }

    public static func ints(_ name: String, _ values: [Int]) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name; a.type = .ints; a.ints = values.map { Int64($0) }
        return a
    }

    public static func int(_ name: String, _ value: Int) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name; a.type = .int; a.i = Int64(value)
        return a
    }

    public static func float(_ name: String, _ value: Float) -> Onnx_AttributeProto {
        var a = Onnx_AttributeProto()
        a.name = name; a.type = .float; a.f = value
        return a
    }
}
