import Prune

/// GainLinear written as ONNX (opset 17), masks applied: x·Wᵀ as a MatMul with the transposed weight,
/// times the gains (Mul), plus the bias (Add). A model that contains it is then written by
/// `NativeONNXExport`, runs in onnxruntime and re-imports into Prune.
extension GainLinear: ONNXExportable {
    func exportONNX(into writer: inout ONNXGraphWriter, input: String, path: String) throws -> String {
        let transposed = try weight.effectiveValue.transposed()
        let product = writer.node("MatMul", [input, writer.constant("\(path).weight_t", transposed)],
                                  output: "\(path).matmul")
        let scaled = writer.node("Mul", [product, writer.constant("\(path).gain", gain.effectiveValue)],
                                 output: "\(path).scaled")
        return writer.node("Add", [scaled, writer.constant("\(path).bias", bias.effectiveValue)], output: path)
    }
}
