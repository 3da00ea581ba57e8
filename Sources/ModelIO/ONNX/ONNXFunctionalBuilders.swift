import ONNXProto
import PruneAutodiff
import PruneNN
import PruneTensor

/// Conv, Gemm, BatchNormalization and LayerNormalization whose weights are computed in the graph
/// (or fed as inputs) rather than stored: they run as plain differentiable operators; only
/// stored weights become prunable layers.
enum ONNXFunctionalBuilders {
    static func node(_ c: ONNXNodeContext, _ op: any GraphOperator) -> ONNXBuiltNode {
        ONNXBuiltNode(op: op, inputs: Array(c.node.input), outputs: Array(c.node.output.prefix(1)))
    }

    static func conv(_ c: ONNXNodeContext) throws -> ONNXBuiltNode {
        guard let kernel = c.ints("kernel_shape") else {
            throw c.unsupported("Conv whose weight is computed in the graph, without kernel_shape")
        }
        guard kernel.count == 2 else { throw c.unsupported("\(kernel.count)-D convolution") }
        let (geometry, padding) = try c.convolutionGeometry(kernel: kernel, groups: c.int("group", 1))
        return node(c, FunctionalConvOperator(geometry: geometry, padding: padding))
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
