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

    /// Dropout, its mask built only when a node or the graph's outputs read it (SqueezeNet names a mask no
    /// node reads: building it, one integer per value, cost 0.01–0.07 ms there at batch 1). Kept whenever a
    /// node holds a subgraph, whose reads of outer values `consumers` does not list.
    static let dropout: Builder = { c in
        let outputs = Array(c.node.output)
        let maskRead = outputs.count > 1 && !outputs[1].isEmpty && (ONNXConstantFolding.hasSubgraphs(c.state.nodes)
            || c.state.consumers[outputs[1]] != nil || c.state.graphOutputs.contains(outputs[1]))
        return ONNXBuiltNode(op: DropoutOperator(returnsMask: maskRead), inputs: Array(c.node.input),
                             outputs: maskRead ? outputs : Array(outputs.prefix(1)))
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
        // Inference: the input passes unchanged; a requested mask output is all ones.
        "Dropout": dropout,
        "Add": simple { c in legacy(c, BinaryOperator(.add)) },
        "Sub": simple { c in legacy(c, BinaryOperator(.sub)) },
        "Mul": simple { c in legacy(c, BinaryOperator(.mul)) },
        "Div": simple { c in legacy(c, BinaryOperator(.div)) },
        "Pow": simple { c in legacy(c, BinaryOperator(.pow)) },
        "Mod": simple { c in BinaryOperator(.mod(fmod: c.int("fmod", 0) == 1)) },
        "Clip": simple { c in
            c.opset < 11 ? ClipOperator(minAttribute: c.float("min", -.infinity), maxAttribute: c.float("max",
                    .infinity))
                         : ClipOperator()
        },
        "Cast": simple { c in
            guard let target = CastTarget(onnxType: c.int("to", 1)) else {
                throw c.unsupported("cast to element type \(c.int("to", 1))")
            }
            return CastOperator(to: target)
        },
        "MaxPool": simple { c in
            guard c.node.output.dropFirst().contains(where: { !$0.isEmpty }) else { return try pool(c, isMax: true) }
            guard let k = c.ints("kernel_shape"), k.count == 2 else {
                throw c.unsupported("the Indices output of a pooling that is not 2-D")
            }
            let pool = PaddedPoolOperator(isMax: true, padding: try c.explicitPadding(kernel: k),
                                          ceilMode: c.int("ceil_mode", 0) == 1, countIncludePad: true)
            return MaxPoolIndicesOperator(pool: pool, columnMajor: c.int("storage_order", 0) == 1)
        },
        "AveragePool": simple { c in try pool(c, isMax: false) },
        "GlobalAveragePool": simple { _ in PoolOperator(kind: .globalAverage, geometry: Conv2dGeometry(kernel: (1,
                1))) },
        "GlobalMaxPool": simple { _ in ReduceOperator(.max, axesAttribute: [2, 3], keepDims: true) },
        "Flatten": simple { c in FlattenOperator(axis: c.int("axis", 1)) },
        "Reshape": simple { c in ReshapeOperator(allowZero: c.int("allowzero", 0) == 1) },
        "Transpose": simple { c in TransposeOperator(permutation: c.ints("perm")) },
        "Concat": simple { c in
            guard let a = c.attribute("axis") else { throw c.fail("axis is required") }
            return ConcatOperator(axis: Int(a.i))
        },
        "Split": simple { c in
            SplitOperator(axis: c.int("axis", 0), outputs: c.node.output.count,
                          sizesAttribute: c.opset < 13 ? c.ints("split").flatMap { $0.isEmpty ? nil : $0 } : nil)
        },
        "Slice": simple { c in
            guard c.opset < 10 else { return SliceOperator() }
            guard let starts = c.ints("starts"), let ends = c.ints("ends") else { throw c.fail("starts and ends are required") }
            return SliceOperator(attributes: (starts, ends, c.ints("axes")))
        },
        "Gather": simple { c in GatherOperator(axis: c.int("axis", 0)) },
        "Shape": simple { c in ShapeOperator(start: c.int("start", 0), end: c.attribute("end").map { Int($0.i) }) },
        "Unsqueeze": simple { c in SqueezeOperator(unsqueeze: true,
                                                   axesAttribute: c.opset < 13 ? c.ints("axes") : nil) },
        "Squeeze": simple { c in SqueezeOperator(unsqueeze: false,
                                                 axesAttribute: c.opset < 13 ? c.ints("axes") : nil) },
    ]
}

extension ONNXPlainBuilders {
    /// A binary operator with opset 6's `broadcast` and `axis` attributes honored.
    static func legacy(_ c: ONNXNodeContext, _ op: any GraphOperator) -> any GraphOperator {
        guard c.opset < 7, c.int("broadcast", 0) == 1, let axis = c.attribute("axis") else { return op }
        return LegacyBroadcastOperator(inner: op, axis: Int(axis.i))
    }

    /// MaxPool or AveragePool: the fast symmetric form when it applies, else ``PaddedPoolOperator``.
    static func pool(_ c: ONNXNodeContext, isMax: Bool) throws -> any GraphOperator {
        if c.ints("kernel_shape")?.count == 1 { return OneDimensionalOperator(try pool(c.liftedTo2D(), isMax: isMax)) }
        guard let k = c.ints("kernel_shape") else { throw c.fail("kernel_shape is required") }
        let ceil = c.int("ceil_mode", 0) == 1, includePad = isMax || c.int("count_include_pad", 0) == 1
        if k.count == 3 {
            let planar = try pool(c.planar(), isMax: isMax)
            return DepthSlicedOperator(kind: isMax ? .maxPool : .averagePool(countIncludePad: includePad),
                                       window: try c.depthWindow(kernel: k[0]), planar: planar)
        }
        guard k.count == 2 else { throw c.unsupported("\(k.count)-D pooling (kernel \(k))") }
        if !ceil, let g = try? c.geometry(kernel: k), g.padding.h * 2 <= k[0], g.padding.w * 2 <= k[1],
           includePad || (g.padding.h == 0 && g.padding.w == 0), isMax || g.dilation == (1, 1) {
            return PoolOperator(kind: isMax ? .max : .average, geometry: g)
        }
        return PaddedPoolOperator(isMax: isMax, padding: try c.explicitPadding(kernel: k), ceilMode: ceil,
                                  countIncludePad: includePad)
    }
}

/// The operator set: which ONNX operators Prune imports, and the opsets it understands.
public enum ONNXOperatorSet {
    static let builders: [String: ONNXPlainBuilders.Builder] = [ONNXLayerBuilders.all, ONNXMathBuilders.all,
                                                                ONNXTensorBuilders.all, ONNXModelOperatorBuilders.all]
        .reduce(ONNXPlainBuilders.all) { $0.merging($1) { a, _ in a } }
    /// The ai.onnx opsets whose semantics the builders implement.
    public static let opsets: ClosedRange<Int> = 6...21
    /// Older opsets are read for models whose every operator is defined there as the builders read it
    /// at opset 6 (apart from the `consumed_inputs` attribute that opset 6 dropped, which changes no
    /// result): these operators, each from the opset given (1 unless said), e.g. the ONNX node tests
    /// of Not, Softplus or GlobalAveragePool at opset 1 and model-zoo CNNs at opsets 3–5.
    public static let earlyOpsets: ClosedRange<Int> = 1...5
    public static let readBeforeOpset6: [String: Int] = Dictionary(uniqueKeysWithValues: [
        "Abs", "Add", "ArgMax", "ArgMin", "AveragePool", "BatchNormalization", "Ceil", "Clip", "Constant", "Conv",
        "DepthToSpace", "Div", "Elu", "Exp", "Flatten", "Floor", "Gather", "Gemm", "GlobalAveragePool",
        "GlobalMaxPool", "HardSigmoid", "Hardmax", "Identity", "InstanceNormalization", "LRN", "LeakyRelu", "Log",
        "LogSoftmax", "MatMul", "Max", "MaxPool", "Mean", "Min", "Mul", "Neg", "Not", "PRelu", "Reciprocal",
        "ReduceL1", "ReduceL2", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum",
        "ReduceSumSquare", "Relu", "Selu", "Shape", "Sigmoid", "Size", "Slice", "Softmax", "Softplus", "Softsign",
        "SpaceToDepth", "Sqrt", "Squeeze", "Sub", "Sum", "Tanh", "TopK", "Transpose", "Unsqueeze",
    ].map { ($0, 1) } + [("Concat", 4), ("Reshape", 5)])
    /// Supported operator types (plus Constant, folded at import).
    public static var supported: [String] { (Array(builders.keys) + ["Constant"]).sorted() }
}
