import ONNXProto
import PruneNN
import PruneTensor

// How each built-in layer is written as ONNX (opset 17), evaluation mode, masks applied.

typealias Attribute = ONNXGraphWriter

extension Conv2d: ONNXExportable {
    public func exportONNX(into writer: inout ONNXGraphWriter, input: String, path: String) throws -> String {
        let g = geometry
        var inputs = [input, writer.constant("\(path).weight", weight.effectiveValue)]
        if let bias { inputs.append(writer.constant("\(path).bias", bias.effectiveValue)) }
        return writer.node("Conv", inputs, output: path, attributes: [
            Attribute.ints("kernel_shape", [g.kernel.h, g.kernel.w]),
            Attribute.ints("strides", [g.stride.h, g.stride.w]),
            Attribute.ints("pads", [g.padding.h, g.padding.w, g.padding.h, g.padding.w]),
            Attribute.ints("dilations", [g.dilation.h, g.dilation.w]), Attribute.int("group", g.groups),
        ])
    }
}

extension Linear: ONNXExportable {
    /// x·Wᵀ (+ b) as MatMul and Add, so inputs of any rank ≥ 2 work (onnxruntime fuses them where it can).
    public func exportONNX(into writer: inout ONNXGraphWriter, input: String, path: String) throws -> String {
        let transposed = try weight.effectiveValue.transposed()
        let product = writer.node("MatMul", [input, writer.constant("\(path).weight_t", transposed)],
                                  output: bias == nil ? path : "\(path).matmul")
        guard let bias else { return product }
        return writer.node("Add", [product, writer.constant("\(path).bias", bias.effectiveValue)], output: path)
    }
}

extension BatchNorm: ONNXExportable {
    public func exportONNX(into writer: inout ONNXGraphWriter, input: String, path: String) throws -> String {
        let inputs = [input, writer.constant("\(path).weight", weight.effectiveValue),
                      writer.constant("\(path).bias", bias.effectiveValue),
                      writer.constant("\(path).running_mean", runningMean.value),
                      writer.constant("\(path).running_var", runningVar.value)]
        return writer.node("BatchNormalization", inputs, output: path,
                           attributes: [Attribute.float("epsilon", epsilon)])
    }
}

extension LayerNorm: ONNXExportable {
    public func exportONNX(into writer: inout ONNXGraphWriter, input: String, path: String) throws -> String {
        let inputs = [input, writer.constant("\(path).weight", weight.effectiveValue),
                      writer.constant("\(path).bias", bias.effectiveValue)]
        return writer.node("LayerNormalization", inputs, output: path,
                           attributes: [Attribute.int("axis", -weight.shape.count),
                                        Attribute.float("epsilon", epsilon)])
    }
}

extension ReLU: ONNXExportable {
    public func exportONNX(into writer: inout ONNXGraphWriter, input: String, path: String) throws -> String {
        writer.node("Relu", [input], output: path)
    }
}

extension LeakyReLU: ONNXExportable {
    public func exportONNX(into writer: inout ONNXGraphWriter, input: String, path: String) throws -> String {
        writer.node("LeakyRelu", [input], output: path, attributes: [Attribute.float("alpha", slope)])
    }
}

extension Tanh: ONNXExportable {
    public func exportONNX(into writer: inout ONNXGraphWriter, input: String, path: String) throws -> String {
        writer.node("Tanh", [input], output: path)
    }
}

extension Sigmoid: ONNXExportable {
    public func exportONNX(into writer: inout ONNXGraphWriter, input: String, path: String) throws -> String {
        writer.node("Sigmoid", [input], output: path)
    }
}

extension GELU: ONNXExportable {
    /// Exact GELU, x·(1 + erf(x/√2))/2 (opset 17 has no Gelu operator).
    public func exportONNX(into writer: inout ONNXGraphWriter, input: String, path: String) throws -> String {
        let root = writer.constant("\(path).inv_sqrt2", Tensor([Float(0.5).squareRoot()]))
        let scaled = writer.node("Mul", [input, root], output: "\(path).scaled")
        let erf = writer.node("Erf", [scaled], output: "\(path).erf")
        let one = writer.node("Add", [erf, writer.constant("\(path).one", Tensor([1]))], output: "\(path).plus_one")
        let half = writer.node("Mul", [input, writer.constant("\(path).half", Tensor([0.5]))], output: "\(path).half_x")
        return writer.node("Mul", [half, one], output: path)
    }
}

extension Flatten: ONNXExportable {
    public func exportONNX(into writer: inout ONNXGraphWriter, input: String, path: String) throws -> String {
        writer.node("Flatten", [input], output: path, attributes: [Attribute.int("axis", 1)])
    }
}

extension Dropout: ONNXExportable {
    /// Dropout is the identity at inference.
    public func exportONNX(into writer: inout ONNXGraphWriter, input: String, path: String) throws -> String {
        writer.node("Identity", [input], output: path)
    }
}

extension MaxPool2d: ONNXExportable {
    public func exportONNX(into writer: inout ONNXGraphWriter, input: String, path: String) throws -> String {
        writer.node("MaxPool", [input], output: path, attributes: Self.poolAttributes(geometry))
    }

    static func poolAttributes(_ g: Conv2dGeometry) -> [Onnx_AttributeProto] {
        [Attribute.ints("kernel_shape", [g.kernel.h, g.kernel.w]),
         Attribute.ints("strides", [g.stride.h, g.stride.w]),
         Attribute.ints("pads", [g.padding.h, g.padding.w, g.padding.h, g.padding.w])]
    }
}

extension AvgPool2d: ONNXExportable {
    /// Padded positions count in the divisor, as in Prune's (and PyTorch's default) average pooling.
    public func exportONNX(into writer: inout ONNXGraphWriter, input: String, path: String) throws -> String {
        writer.node("AveragePool", [input], output: path,
                    attributes: MaxPool2d.poolAttributes(geometry) + [Attribute.int("count_include_pad", 1)])
    }
}

extension GlobalAvgPool2d: ONNXExportable {
    /// GlobalAveragePool keeps [N, C, 1, 1]; Prune's layer returns [N, C], so a Flatten follows.
    public func exportONNX(into writer: inout ONNXGraphWriter, input: String, path: String) throws -> String {
        let pooled = writer.node("GlobalAveragePool", [input], output: "\(path).pooled")
        return writer.node("Flatten", [pooled], output: path, attributes: [Attribute.int("axis", 1)])
    }
}
