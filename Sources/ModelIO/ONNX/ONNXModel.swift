import Foundation
import ONNXProto
import PruneNN
import PruneTensor

/// An ONNX model imported for pruning: the runnable, differentiable ``GraphModel`` and what is
/// needed to write it back as ONNX (the original protobuf, and where each parameter goes).
///
/// Export keeps every node and writes the current values (masks folded in, channels removed)
/// into the initializers, rewrites integer constants that structured pruning changed (Reshape
/// targets) and layer attributes (Conv groups), and drops stale intermediate shape annotations.
public final class ONNXModel {
    public let graph: GraphModel
    public let file: String
    /// The ai.onnx opset of the model.
    public let opset: Int
    private let proto: Onnx_ModelProto
    private let state: ONNXImportState
    private let originalConstants: [String: GraphValue]

    init(graph: GraphModel, proto: Onnx_ModelProto, file: String, opset: Int, state: ONNXImportState) {
        self.graph = graph; self.proto = proto; self.file = file; self.opset = opset; self.state = state
        originalConstants = graph.constants
    }

    /// Reads an ONNX file (external data is looked up beside it).
    public static func load(_ path: String) throws -> ONNXModel {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelIOError(file: path,
                "cannot read the file") }
        return try ONNXImporter.decode(data, file: path, baseDirectory: (path as NSString).deletingLastPathComponent)
    }

    /// Reads an ONNX model from bytes.
    public static func decode(_ data: Data, name: String = "<onnx>") throws -> ONNXModel {
        try ONNXImporter.decode(data, file: name, baseDirectory: nil)
    }

    /// The element types the model declares for its values (ONNX `TensorProto.DataType` codes).
    var declaredTypes: [String: Int32] { state.declaredTypes }

    /// Each graph input's declared element type as ONNX names it ("float", "int64", "bool", …).
    public var inputTypes: [String: String] {
        var types: [String: String] = [:]
        for input in graph.inputs {
            guard let code = state.declaredTypes[input.name],
                  let type = Onnx_TensorProto.DataType(rawValue: Int(code)) else { continue }
            types[input.name] = "\(type)".lowercased()
        }
        return types
    }

    /// The first input's shape for one example run: an unknown first extent is `batch`, other
    /// unknown extents (a sequence length) `length`.
    public func exampleShape(batch: Int = 1, length: Int = 8) -> [Int]? {
        graph.inputs.first.map { $0.shape.enumerated().map { $0.element ?? ($0.offset == 0 ? batch : length) } }
    }

    /// The first input's shape with unknown extents (batch) set to `batch`.
    public func inputShape(batch: Int = 1) -> [Int]? {
        graph.inputs.first.map { $0.shape.map { $0 ?? batch } }
    }

    /// The model as ONNX bytes with the current parameters.
    public func serialized() throws -> Data {
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
        for i in p.graph.initializer.indices { if let r = replacements[p.graph.initializer[i].name] { p.graph.initializer[i] = r } }
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
                for (j, input) in node.inputs.enumerated() where added[input] != nil && j < p.graph.node[i].input.count {
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

    /// Writes the model atomically; refuses to overwrite the file it was read from.
    public func write(to path: String) throws {
        if AtomicFile.isSamePath(path, file) {
            throw ModelIOError(file: path, "this is the model's input file; write the pruned model elsewhere")
        }
        let data = try serialized()
        try AtomicFile.write(data, to: path)
    }
}
