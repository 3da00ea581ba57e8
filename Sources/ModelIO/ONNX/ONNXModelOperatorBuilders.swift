import ONNXProto
import PruneNN
import PruneTensor

/// Builders for Resize and Upsample, Einsum, the classification losses, OneHot, EyeLike, BitShift,
/// Compress and linear (de)quantization.
enum ONNXModelOperatorBuilders {
    typealias Builder = ONNXPlainBuilders.Builder
    static let simple = ONNXPlainBuilders.simple

    static let all: [String: Builder] = [
        "Resize": simple { c in try resize(c) },
        "Upsample": simple { c in
            guard let mode = ResizeOperator.Mode(rawValue: c.string("mode") ?? "nearest"), mode != .cubic else {
                throw c.unsupported("Upsample mode \(c.string("mode") ?? "")")
            }
            return ResizeOperator(mode: mode, coordinates: "asymmetric", nearestMode: "floor", cubicA: -0.75,
                                  excludeOutside: false, scalesInput: 1, sizesInput: nil,
                                  scalesAttribute: c.opset < 9 ? c.attribute("scales")?.floats : nil)
        },
        "Einsum": simple { c in
            guard let op = EinsumOperator(equation: c.string("equation") ?? "") else {
                let equation = c.string("equation") ?? ""
                throw c.unsupported("the Einsum equation '\(equation)' (ellipses, diagonals or > 2 operands)")
            }
            return op
        },
        "NegativeLogLikelihoodLoss": simple { c in try loss(c, softmaxFirst: false) },
        "SoftmaxCrossEntropyLoss": { c in
            ONNXBuiltNode(op: try loss(c, softmaxFirst: true), inputs: Array(c.node.input),
                          outputs: Array(c.node.output))
        },
        "OneHot": simple { c in OneHotOperator(axis: c.int("axis", -1)) },
        "EyeLike": simple { c in
            EyeLikeOperator(k: c.int("k", 0),
                            integer: c.attribute("dtype").map { !ONNXTensorCodec.isFloat(Int32($0.i)) })
        },
        "BitShift": simple { c in BitShiftOperator(left: c.string("direction") == "LEFT") },
        "Compress": simple { c in CompressOperator(axis: c.attribute("axis").map { Int($0.i) }) },
        "QuantizeLinear": simple { c in try quantization(c, quantize: true) },
        "DequantizeLinear": simple { c in try quantization(c, quantize: false) },
    ]

    static func resize(_ c: ONNXNodeContext) throws -> ResizeOperator {
        guard let mode = ResizeOperator.Mode(rawValue: c.string("mode") ?? "nearest") else {
            throw c.unsupported("Resize mode \(c.string("mode") ?? "")")
        }
        let coordinates = c.opset < 11 ? "asymmetric" : c.string("coordinate_transformation_mode") ?? "half_pixel"
        guard ["half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn",
               "half_pixel_symmetric", "tf_crop_and_resize"].contains(coordinates) else {
            throw c.unsupported("coordinate_transformation_mode \(coordinates)")
        }
        guard c.int("antialias", 0) == 0 else { throw c.unsupported("antialias = 1") }
        guard (c.string("keep_aspect_ratio_policy") ?? "stretch") == "stretch" else {
            throw c.unsupported("keep_aspect_ratio_policy \(c.string("keep_aspect_ratio_policy") ?? "")")
        }
        return ResizeOperator(mode: mode, coordinates: coordinates,
                              nearestMode: c.opset < 11 ? "floor" : c.string("nearest_mode") ?? "round_prefer_floor",
                              cubicA: c.float("cubic_coeff_a", -0.75), excludeOutside: c.int("exclude_outside", 0) == 1,
                              scalesInput: c.opset < 11 ? 1 : 2, sizesInput: c.opset < 11 ? nil : 3,
                              axes: c.ints("axes"), roiInput: c.opset < 11 ? nil : 1,
                              extrapolationValue: c.float("extrapolation_value", 0))
    }

    static func loss(_ c: ONNXNodeContext, softmaxFirst: Bool) throws -> ClassificationLossOperator {
        guard let reduction = ClassificationLossOperator.Reduction(rawValue: c.string("reduction") ?? "mean") else {
            throw c.fail("unknown reduction \(c.string("reduction") ?? "")")
        }
        return ClassificationLossOperator(softmaxFirst: softmaxFirst, reduction: reduction,
                                          ignoreIndex: c.attribute("ignore_index").map { Int($0.i) })
    }

    static func quantization(_ c: ONNXNodeContext, quantize: Bool) throws -> LinearQuantizationOperator {
        let zeroType = c.state.declaredTypes[quantize ? c.input(2) : c.input(0)]
        let known = [Onnx_TensorProto.DataType.uint8, .int8].map { Int32($0.rawValue) }
        if let zeroType, !known.contains(zeroType) { throw c.unsupported("quantization to element type \(zeroType)") }
        return LinearQuantizationOperator(quantize: quantize, axis: c.int("axis", 1),
                                          signed: zeroType == Int32(Onnx_TensorProto.DataType.int8.rawValue))
    }
}
