import ONNXProto
import PruneNN
import PruneTensor

/// Builders for the ONNX operators without trainable weights (opset 13 to 21 semantics; the
/// opset-18 moves of axes and split sizes from attributes to inputs are handled).
enum ONNXPlainBuilders {
    typealias Builder = @Sendable (ONNXNodeContext) throws -> ONNXBuiltNode

    static func simple(_ make: @escaping @Sendable (ONNXNodeContext) throws -> any GraphOperator) -> Builder {
        { c in ONNXBuiltNode(op: try make(c), inputs: Array(c.node.input), outputs: Array(c.node.output)) }
    }

    static let all: [String: Builder] = [
        "Relu": simple { _ in UnaryOperator(.relu) },
        "LeakyRelu": simple { c in UnaryOperator(.leakyRelu(c.float("alpha", 0.01))) },
        "Sigmoid": simple { _ in UnaryOperator(.sigmoid) },
        "Tanh": simple { _ in UnaryOperator(.tanh) },
        "Erf": simple { _ in UnaryOperator(.erf) },
        "Gelu": simple { c in
            switch c.string("approximate") ?? "none" {
            case "none": return UnaryOperator(.gelu)
            case "tanh": return UnaryOperator(.geluTanh)
            case let a: throw c.fail("unknown approximate \"\(a)\"")
            }
        },
        "Sqrt": simple { _ in UnaryOperator(.sqrt) },
        "Exp": simple { _ in UnaryOperator(.exp) },
        "Log": simple { _ in UnaryOperator(.log) },
        "Abs": simple { _ in UnaryOperator(.abs) },
        "Neg": simple { _ in UnaryOperator(.neg) },
        "Identity": simple { _ in UnaryOperator(.identity) },
        "Dropout": { c in
            // Inference: the input passes unchanged; a requested mask output is all ones.
            guard c.node.output.dropFirst().allSatisfy({ $0.isEmpty }) else { throw c.fail("the mask output of Dropout is not supported") }
            return ONNXBuiltNode(op: UnaryOperator(.identity), inputs: [c.input(0)],
                                 outputs: Array(c.node.output.prefix(1)))
        },
        "Add": simple { _ in BinaryOperator(.add) },
        "Sub": simple { _ in BinaryOperator(.sub) },
        "Mul": simple { _ in BinaryOperator(.mul) },
        "Div": simple { _ in BinaryOperator(.div) },
        "Pow": simple { _ in BinaryOperator(.pow) },
        "Mod": simple { c in BinaryOperator(.mod(fmod: c.int("fmod", 0) == 1)) },
        "Clip": simple { _ in ClipOperator() },
        "Cast": simple { c in
            // Float types: FLOAT, FLOAT16, DOUBLE, BFLOAT16; the rest that Prune reads are integer or bool.
            let to = c.int("to", 1)
            guard [1, 10, 11, 16, 2, 3, 4, 5, 6, 7, 9, 12,
                   13].contains(to) else { throw c.fail("cast to element type \(to) is not supported") }
            return CastOperator(toInteger: ![1, 10, 11, 16].contains(to))
        },
        "Softmax": simple { c in SoftmaxOperator(axis: c.int("axis", -1)) },
        "ReduceMean": simple { c in
            ReduceMeanOperator(axesAttribute: c.opset < 18 ? c.ints("axes") : nil, keepDims: c.int("keepdims", 1) == 1,
                               noopWithEmptyAxes: c.int("noop_with_empty_axes", 0) == 1)
        },
        "MaxPool": simple { c in
            guard c.int("ceil_mode", 0) == 0 else { throw c.fail("ceil_mode = 1 is not supported") }
            guard c.node.output.dropFirst().allSatisfy({ $0.isEmpty }) else { throw c.fail("the Indices output is not supported") }
            guard let k = c.ints("kernel_shape") else { throw c.fail("kernel_shape is required") }
            return PoolOperator(kind: .max, geometry: try c.geometry(kernel: k))
        },
        "AveragePool": simple { c in
            guard c.int("ceil_mode", 0) == 0 else { throw c.fail("ceil_mode = 1 is not supported") }
            guard let k = c.ints("kernel_shape") else { throw c.fail("kernel_shape is required") }
            let g = try c.geometry(kernel: k)
            if c.int("count_include_pad", 0) == 0 && (g.padding.h > 0 || g.padding.w > 0) {
                throw c.fail("count_include_pad = 0 with padding is not supported (Prune counts padding in the divisor)")
            }
            return PoolOperator(kind: .average, geometry: g)
        },
        "GlobalAveragePool": simple { _ in PoolOperator(kind: .globalAverage, geometry: Conv2dGeometry(kernel: (1,
                1))) },
        "Flatten": simple { c in FlattenOperator(axis: c.int("axis", 1)) },
        "Reshape": simple { c in ReshapeOperator(allowZero: c.int("allowzero", 0) == 1) },
        "Transpose": simple { c in TransposeOperator(permutation: c.ints("perm")) },
        "Concat": simple { c in
            guard let a = c.attribute("axis") else { throw c.fail("axis is required") }
            return ConcatOperator(axis: Int(a.i))
        },
        "Split": simple { c in
            SplitOperator(axis: c.int("axis", 0), outputs: c.node.output.count, sizesAttribute: nil)
        },
        "Slice": simple { _ in SliceOperator() },
        "Gather": simple { c in GatherOperator(axis: c.int("axis", 0)) },
        "Shape": simple { c in ShapeOperator(start: c.int("start", 0), end: c.attribute("end").map { Int($0.i) }) },
        "Unsqueeze": simple { _ in SqueezeOperator(unsqueeze: true) },
        "Squeeze": simple { _ in SqueezeOperator(unsqueeze: false) },
    ]
}

/// The operator set: which ONNX operators Prune imports, and the opsets it understands.
public enum ONNXOperatorSet {
    static let builders: [String: ONNXPlainBuilders.Builder] =
        ONNXPlainBuilders.all.merging(ONNXLayerBuilders.all) { a, _ in a }
    /// The ai.onnx opsets whose semantics the builders implement.
    public static let opsets: ClosedRange<Int> = 13...21
    /// Supported operator types (plus Constant, folded at import).
    public static var supported: [String] { (Array(builders.keys) + ["Constant"]).sorted() }
}
