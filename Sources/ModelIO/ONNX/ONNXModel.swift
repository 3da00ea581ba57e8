import Foundation
import ONNXProto
import PruneNN
import PruneTensor

/// An ONNX model imported for pruning: the runnable, differentiable ``GraphModel`` and what is
/// needed to write it back as ONNX (the original protobuf, and where each parameter goes).
///
/// Export is ``ONNXRoundTrip``'s, which the graph also carries as its ``GraphModel/writer``.
public final class ONNXModel {
    public let graph: GraphModel
    public let file: String
    /// The ai.onnx opset of the model.
    public let opset: Int
    private let state: ONNXImportState
    private let roundTrip: ONNXRoundTrip

    init(graph: GraphModel, proto: Onnx_ModelProto, file: String, opset: Int, state: ONNXImportState) {
        self.graph = graph; self.file = file; self.opset = opset; self.state = state
        roundTrip = ONNXRoundTrip(proto: proto, state: state, originalConstants: graph.constants)
        graph.writer = roundTrip
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
    public func serialized() throws -> Data { try roundTrip.serialized(graph) }

    /// Writes the model atomically; refuses to overwrite the file it was read from.
    public func write(to path: String) throws {
        if AtomicFile.isSamePath(path, file) {
            throw ModelIOError(file: path, "this is the model's input file; write the pruned model elsewhere")
        }
        let data = try serialized()
        try AtomicFile.write(data, to: path)
    }
}
