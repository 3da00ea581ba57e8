import ONNXProto
import PruneAutodiff
import PruneNN
import PruneTensor

/// Conv, Gemm, BatchNormalization and LayerNormalization whose weights are computed in the graph
/// (or fed as inputs) rather than stored, and ConvTranspose: they run as plain differentiable
/// operators; only stored weights of the others become prunable layers.
enum ONNXFunctionalBuilders {
    static func node(_ c: ONNXNodeContext, _ op: any GraphOperator) -> ONNXBuiltNode {
        ONNXBuiltNode(op: op, inputs: Array(c.node.input), outputs: Array(c.node.output.prefix(1)))
    }

    static func conv(_ c: ONNXNodeContext) throws -> ONNXBuiltNode {
        guard let kernel = c.ints("kernel_shape") else {
            throw c.unsupported("Conv whose weight is computed in the graph, without kernel_shape")
        }
        if kernel.count == 3 { return try volumetricConv(c, kernel: kernel) }
        guard kernel.count == 2 else { throw c.unsupported("\(kernel.count)-D convolution") }
        let (geometry, padding) = try c.convolutionGeometry(kernel: kernel, groups: c.int("group", 1))
        return node(c, FunctionalConvOperator(geometry: geometry, padding: padding))
    }

    /// A 3-D Conv as 2-D convolutions of depth slices; its weight stays a graph value (not prunable).
    static func volumetricConv(_ c: ONNXNodeContext, kernel: [Int]) throws -> ONNXBuiltNode {
        if let given = c.ints("kernel_shape"), given != kernel {
            throw c.fail("kernel_shape \(given) does not fit the weight's kernel \(kernel)")
        }
        let planar = c.planar()
        let (geometry, padding) = try planar.convolutionGeometry(kernel: Array(kernel[1...]), groups: c.int("group", 1))
        let op = DepthSlicedOperator(kind: .convolution, window: try c.depthWindow(kernel: kernel[0]),
                                     planar: FunctionalConvOperator(geometry: geometry, padding: padding))
        return node(c, op)
    }

    /// ConvTranspose (1-D and 2-D): its weight stays a graph value (channels through it are fixed).
    static func convTranspose(_ c: ONNXNodeContext) throws -> ONNXBuiltNode {
        let weight = try c.floatInitializer(1)
        let spatial = c.ints("kernel_shape")?.count ?? c.state.declaredRanks[c.input(1)].map { $0 - 2 }
            ?? c.state.declaredRanks[c.input(0)].map { $0 - 2 } ?? c.ints("strides")?.count
        let autoPad = c.string("auto_pad") ?? "NOTSET"
        guard ["NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"].contains(autoPad) else {
            throw c.fail("auto_pad \(autoPad) is not one of NOTSET, VALID, SAME_UPPER, SAME_LOWER")
        }
        if spatial == 3 {
            let kernel = c.ints("kernel_shape") ?? weight.map { Array($0.shape[2...]) }
            return try volumetricConvTranspose(c, kernel: kernel, autoPad: autoPad)
        }
        if let spatial, spatial != 1 && spatial != 2 { throw c.unsupported("\(spatial)-D ConvTranspose") }
        if let kernel = c.ints("kernel_shape"), let weight, kernel != Array(weight.shape[2...]) {
            throw c.fail("kernel_shape \(kernel) does not fit the weight \(weight.shape)")
        }
        let group = c.int("group", 1)
        guard group > 0 else { throw c.fail("group \(group) must be positive") }
        let attributes = ConvTransposeOperator.Attributes(
            strides: c.ints("strides") ?? [], dilations: c.ints("dilations") ?? [],
            outputPadding: c.ints("output_padding") ?? [], group: group,
            pads: autoPad == "VALID" ? nil : c.ints("pads"), outputShape: c.ints("output_shape"), autoPad: autoPad)
        return node(c, ConvTransposeOperator(attributes))
    }

    /// A 3-D ConvTranspose as 2-D ones of depth slices (``DepthSlicedOperator``).
    /// `autoPad` is the node's, already checked.
    static func volumetricConvTranspose(_ c: ONNXNodeContext, kernel: [Int]?,
                                        autoPad: String) throws -> ONNXBuiltNode {
        // Without kernel_shape or a stored weight the kernel depth is read from the weight when it runs.
        let kernel = kernel ?? [0, 0, 0]
        guard kernel.count == 3 else { throw c.fail("kernel_shape \(kernel) is not 3-D") }
        let planar = c.planar(), outputPadding = c.ints("output_padding") ?? [0, 0, 0]
        let outputShape = c.ints("output_shape"), group = c.int("group", 1)
        guard outputPadding.count == 3, outputShape.map({ $0.count >= 3 }) ?? true, group > 0 else {
            throw c.fail("output_padding \(outputPadding), output_shape \(outputShape ?? []) or group \(group) "
                         + "does not fit a 3-D ConvTranspose")
        }
        let attributes = ConvTransposeOperator.Attributes(
            strides: planar.ints("strides") ?? [], dilations: planar.ints("dilations") ?? [],
            outputPadding: Array(outputPadding[1...]), group: group,
            pads: autoPad == "VALID" ? nil : planar.ints("pads"), outputShape: outputShape.map { Array($0.suffix(2)) },
            autoPad: autoPad)
        let kind = DepthSlicedOperator.Kind.transposedConvolution(
            outputPadding: outputPadding[0], outputShape: outputShape.map { $0[$0.count - 3] })
        return node(c, DepthSlicedOperator(kind: kind, window: try c.depthWindow(kernel: kernel[0]),
                                           planar: ConvTransposeOperator(attributes)))
    }

    static func gemm(_ c: ONNXNodeContext) throws -> ONNXBuiltNode {
        node(c, FunctionalGemmOperator(alpha: c.float("alpha", 1), beta: c.float("beta", 1),
                                       transA: c.int("transA", 0) == 1, transB: c.int("transB", 0) == 1))
    }

    static func batchNorm(_ c: ONNXNodeContext) throws -> ONNXBuiltNode {
        node(c, FunctionalNormalizationOperator(.batch, epsilon: c.float("epsilon", 1e-5)))
    }

    /// LayerNormalization with computed parameters, or asked for its Mean and InvStdDev outputs.
    static func layerNorm(_ c: ONNXNodeContext) throws -> ONNXBuiltNode {
        ONNXBuiltNode(op: FunctionalNormalizationOperator(.layer(axis: c.int("axis", -1)), epsilon: c.float("epsilon",
                1e-5)),
                      inputs: Array(c.node.input), outputs: Array(c.node.output))
    }
}
