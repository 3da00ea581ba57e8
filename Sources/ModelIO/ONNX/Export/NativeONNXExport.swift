import Foundation
import ONNXProto
import PruneNN
import PruneTensor

/// Writes a model built from Swift modules (``ONNXExportable`` layers) as an ONNX model that onnxruntime
/// runs: opset 17, one Float32 input `input` of the given shape with a symbolic batch axis, one output
/// `output`; weights are stored as initializers with their masks applied, normalization layers with
/// their running statistics (evaluation mode).
public enum NativeONNXExport {
    public static let opset = 17

    /// The serialized model. `inputShape` is one example's shape with its batch axis, e.g. [1, 1, 28, 28].
    public static func model(_ module: any Module, inputShape: [Int], name: String = "prune") throws -> Data {
        guard inputShape.count >= 2, inputShape.allSatisfy({ $0 > 0 }) else {
            throw ModelIOError(file: name, "an ONNX export needs an input shape [batch, …] of positive sizes, got "
                               + "\(inputShape)")
        }
        var writer = ONNXGraphWriter()
        let input = writer.name("input"), output = writer.name("output")
        let last = try emit(module, into: &writer, input: input, path: "")
        writer.node("Identity", [last], exactly: output)
        var graph = writer.graph
        graph.name = name
        graph.input = [valueInfo(input, shape: inputShape)]
        graph.output = [valueInfo(output, shape: nil)]
        var model = Onnx_ModelProto()
        model.irVersion = 8
        model.producerName = "Prune"
        var opset = Onnx_OperatorSetIdProto(); opset.domain = ""; opset.version = Int64(Self.opset)
        model.opsetImport = [opset]
        model.graph = graph
        return try model.serializedBytes()
    }

    /// Writes the model to `path` atomically.
    public static func write(_ module: any Module, inputShape: [Int], to path: String) throws {
        let data = try model(module, inputShape: inputShape, name: URL(fileURLWithPath: path).lastPathComponent)
        try AtomicFile.write(data, to: path)
    }

    /// The nodes of `module` (or a clear error naming a module that cannot be exported).
    public static func emit(_ module: any Module, into writer: inout ONNXGraphWriter, input: String,
                            path: String) throws -> String {
        guard let exportable = module as? any ONNXExportable else {
            throw ModelIOError(file: path.isEmpty ? "model" : path,
                               "\(type(of: module)) cannot be written as ONNX (no ONNXExportable conformance)")
        }
        return try exportable.exportONNX(into: &writer, input: input, path: path)
    }

    static func child(_ path: String, _ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    static func valueInfo(_ name: String, shape: [Int]?) -> Onnx_ValueInfoProto {
        var tensor = Onnx_TypeProto.Tensor()
        tensor.elemType = 1   // FLOAT
        if let shape {
            var s = Onnx_TensorShapeProto()
            s.dim = shape.enumerated().map { i, d in
                var dim = Onnx_TensorShapeProto.Dimension()
                if i == 0 { dim.dimParam = "batch" } else { dim.dimValue = Int64(d) }
                return dim
            }
            tensor.shape = s
        }
        var type = Onnx_TypeProto(); type.tensorType = tensor
        var info = Onnx_ValueInfoProto(); info.name = name; info.type = type
        return info
    }
}
