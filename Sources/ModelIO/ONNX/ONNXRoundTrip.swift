import Foundation
import ONNXProto
import PruneNN
import PruneTensor

/// Writes an imported ONNX graph back as ONNX: every node is kept, the current values (masks folded in,
/// channels removed) go into the initializers, integer constants that structured pruning changed (Reshape
/// targets) and layer attributes (Conv groups) are rewritten, and stale intermediate shape annotations are
/// dropped. Holds the original protobuf and where each parameter goes, not the graph (whose
/// ``GraphModel/writer`` it is), so a graph and its writer form no reference cycle.
final class ONNXRoundTrip: GraphModelWriter {
    private let proto: Onnx_ModelProto
    private let state: ONNXImportState
    private let originalConstants: [String: GraphValue]

    init(proto: Onnx_ModelProto, state: ONNXImportState, originalConstants: [String: GraphValue]) {
        self.proto = proto; self.state = state; self.originalConstants = originalConstants
    }

    /// `graph` (the model this was imported with, or a fresh import of the same file) as ONNX bytes with its
    /// current parameters.
    public func serialized(_ graph: GraphModel) throws -> Data {
        var p = proto
        var replacements: [String: Onnx_TensorProto] = [:]
        for b in state.bindings { replacements[b.initializer] = ONNXTensorCodec.proto(name: b.initializer,
                                                                                      tensor: b.read()) }
        for (name, value) in graph.constants {
            guard let before = originalConstants[name],
                  let changed = Self.changedConstant(value, before) else { continue }
            if state.initializers[name] != nil { var t = changed; t.name = name; replacements[name] = t }
            else if let i = p.graph.node.firstIndex(where: { $0.opType == "Constant" && $0.output.first == name }) {
                p.graph.node[i].attribute.removeAll { $0.name.hasPrefix("value") }
                var a = Onnx_AttributeProto(); a.name = "value"; a.type = .tensor
                a.t = changed
                p.graph.node[i].attribute.append(a)
            }
        }
        for i in p.graph.initializer.indices {
            if let r = replacements[p.graph.initializer[i].name] { p.graph.initializer[i] = r }
        }
        // Constants structured pruning copied (one Reshape target per group) become initializers,
        // and the nodes that read them are pointed at them.
        let added = graph.constants.filter { originalConstants[$0.key] == nil }
        for (name, value) in added.sorted(by: { $0.key < $1.key }) {
            switch value {
            case .integer(let t): p.graph.initializer.append(ONNXTensorCodec.proto(name: name, integers: t))
            case .float(let v): p.graph.initializer.append(ONNXTensorCodec.proto(name: name, tensor: v.value))
            }
        }
        let names = p.graph.node.enumerated().map { $1.displayName(index: $0) }
        if !added.isEmpty {
            let byName = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { _, last in last })
            for node in graph.nodes {
                guard let i = byName[node.name] else { continue }
                for (j, input) in node.inputs.enumerated()
                where added[input] != nil && j < p.graph.node[i].input.count {
                    p.graph.node[i].input[j] = input
                }
            }
        }
        for i in p.graph.node.indices { state.nodeUpdates[names[i]]?(&p.graph.node[i]) }
        // Channel counts of intermediate values may have changed: let consumers infer them again.
        p.graph.valueInfo = []
        Self.declareInitializerShapes(&p.graph)
        var note = Onnx_StringStringEntryProto(); note.key = "prune.exported_by"; note.value = "Prune"
        p.metadataProps.removeAll { $0.key == note.key }
        p.metadataProps.append(note)
        return try p.serializedBytes()
    }

    /// The tensor to write for a constant structured pruning changed (a Reshape target rewritten, a
    /// per-channel operand sliced), or nil when it is as imported.
    static func changedConstant(_ now: GraphValue, _ before: GraphValue) -> Onnx_TensorProto? {
        switch (now, before) {
        case let (.integer(n), .integer(b)):
            return n == b ? nil : ONNXTensorCodec.proto(name: "", integers: n)
        case let (.float(n), .float(b)):
            guard n.shape != b.shape || n.value.scalars != b.value.scalars else { return nil }
            return ONNXTensorCodec.proto(name: "", tensor: n.value)
        default: return nil
        }
    }

    /// Older models (IR version < 4, e.g. the ONNX model zoo's opset-9 files) also list their
    /// initializers as graph inputs, with shapes: these follow the initializers' new shapes.
    static func declareInitializerShapes(_ graph: inout Onnx_GraphProto) {
        let dims = Dictionary(graph.initializer.map { ($0.name, $0.dims) }, uniquingKeysWith: { first, _ in first })
        for i in graph.input.indices {
            guard let d = dims[graph.input[i].name], graph.input[i].type.tensorType.hasShape else { continue }
            graph.input[i].type.tensorType.shape.dim = d.map { extent in
                var dim = Onnx_TensorShapeProto.Dimension(); dim.dimValue = extent; return dim
            }
        }
    }
}
