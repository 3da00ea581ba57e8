import ONNXProto

/// ONNX protos for the tests that craft small models by hand: a value's declaration and a model around nodes.
public enum ONNXProtoBuilding {
    /// The graph value `name`: element type `type` (1: float) when given, the dimensions `dims` when given.
    public static func value(_ name: String, dims: [Int64]? = nil, type: Int32? = 1) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        if let type { v.type.tensorType.elemType = type }
        if let dims {
            v.type.tensorType.shape.dim = dims.map { d in
                var dim = Onnx_TensorShapeProto.Dimension()
                dim.dimValue = d
                return dim
            }
        }
        return v
    }

    /// An IR-8, opset-13 model whose graph "g" runs `nodes` from `inputs` to `outputs`.
    public static func model(nodes: [Onnx_NodeProto], inputs: [Onnx_ValueInfoProto], outputs: [Onnx_ValueInfoProto],
                             initializers: [Onnx_TensorProto] = []) -> Onnx_ModelProto {
        var m = Onnx_ModelProto()
        m.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 13
        m.opsetImport = [opset]
        m.graph.name = "g"
        m.graph.node = nodes
        m.graph.input = inputs
        m.graph.output = outputs
        m.graph.initializer = initializers
        return m
    }
}
