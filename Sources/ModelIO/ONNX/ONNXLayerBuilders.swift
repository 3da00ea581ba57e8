import ONNXProto
import PruneNN
import PruneTensor

/// Builders for the ONNX operators that carry trainable weights: each becomes a Prune layer
/// (Conv2d, Linear, BatchNorm, LayerNorm) whose parameters are written back on export.
enum ONNXLayerBuilders {
    static let all: [String: ONNXPlainBuilders.Builder] = [
        "Conv": conv, "Gemm": gemm, "MatMul": matMul, "BatchNormalization": batchNorm, "LayerNormalization": layerNorm,
        "ConvTranspose": ONNXFunctionalBuilders.convTranspose,
    ]

    static func conv(_ c: ONNXNodeContext) throws -> ONNXBuiltNode {
        guard var w = try c.floatInitializer(1), c.input(2).isEmpty || c.state.initializers[c.input(2)] != nil else {
            return try ONNXFunctionalBuilders.conv(c)
        }
        if w.rank == 5 { return try ONNXFunctionalBuilders.volumetricConv(c, kernel: Array(w.shape[2...])) }
        let oneDimensional = w.rank == 3
        let c = oneDimensional ? c.liftedTo2D() : c
        if oneDimensional { w = try w.reshaped([w.shape[0], w.shape[1], 1, w.shape[2]]) }
        guard w.rank == 4 else { throw c.unsupported("\(w.rank - 2)-D convolution (weight \(w.shape))") }
        let groups = c.int("group", 1)
        let kernel = c.ints("kernel_shape") ?? Array(w.shape[2...])
        guard kernel == Array(w.shape[2...]), groups > 0, w.shape[0] % groups == 0 else {
            throw c.fail("kernel_shape \(kernel) or group \(groups) does not fit the weight \(w.shape)")
        }
        let b = try c.floatInitializer(2)
        if let b, b.shape != [w.shape[0]] { throw c.fail("bias \(b.shape) does not fit \(w.shape[0]) output channels") }
        let (geometry, padding) = try c.convolutionGeometry(kernel: kernel, groups: groups)
        let layer = Conv2d(weight: w, bias: b, geometry: geometry)
        var op = try c.state.addLayer(layer, initializer: c.input(1), suffix: ".weight", node: c.name)
        op.padding = padding
        op.oneDimensional = oneDimensional
        c.state.bind(c.input(1)) {
            let v = layer.weight.exportedValue
            return oneDimensional ? (try? v.reshaped([v.shape[0], v.shape[1], v.shape[3]])) ?? v : v
        }
        if let bias = layer.bias { c.state.bind(c.input(2)) { bias.exportedValue } }
        c.state.nodeUpdates[c.name] = { node in
            if let i = node.attribute.firstIndex(where: { $0.name == "group" }) {
                node.attribute[i].i = Int64(layer.geometry.groups)
            }
        }
        return ONNXBuiltNode(op: op, inputs: [c.input(0)], outputs: Array(c.node.output.prefix(1)))
    }

    /// Gemm with a constant B as a Linear: Y = A·Bᵀ + C (transB = 1) or A·B + C (transB = 0).
    static func gemm(_ c: ONNXNodeContext) throws -> ONNXBuiltNode {
        guard let bMatrix = try c.floatInitializer(1), bMatrix.rank == 2, c.int("transA", 0) == 0,
              c.input(2).isEmpty || c.state.initializers[c.input(2)] != nil else {
            return try ONNXFunctionalBuilders.gemm(c)
        }
        let transB = c.int("transB", 0) == 1
        let alpha = c.float("alpha", 1), beta = c.float("beta", 1)
        var weight = transB ? bMatrix : try bMatrix.transposed()
        let out = weight.shape[0]
        let given = try c.floatInitializer(2)
        var bias: Tensor?
        if let b = given {
            guard b.count == out || b.count == 1 else {
                throw c.fail("C \(b.shape) does not broadcast to \(out) outputs")
            }
            bias = Tensor(unchecked: [out], b.count == 1 ? Array(repeating: b.scalars[0] * beta,
                                                                 count: out) : b.scalars.map { $0 * beta })
        }
        if alpha != 1 { weight = weight * alpha }
        let biasShape = given?.shape
        let layer = Linear(weight: weight, bias: bias)
        let op = try c.state.addLayer(layer, initializer: c.input(1), suffix: ".weight", node: c.name)
        // Exported as transB = 1, alpha = beta = 1 with C of shape [out] (or [1, out] if it was).
        c.state.bind(c.input(1)) { layer.weight.exportedValue }
        if let b = layer.bias {
            c.state.bind(c.input(2)) {
                let v = b.exportedValue
                return biasShape?.count == 2 ? Tensor(unchecked: [1, v.count], v.scalars) : v
            }
        }
        c.state.nodeUpdates[c.name] = { node in
            node.attribute.removeAll { ["transB", "alpha", "beta"].contains($0.name) }
            var t = Onnx_AttributeProto(); t.name = "transB"; t.type = .int; t.i = 1
            node.attribute.append(t)
        }
        return ONNXBuiltNode(op: op, inputs: [c.input(0)], outputs: Array(c.node.output.prefix(1)))
    }

    /// MatMul by a constant [in, out] matrix as a Linear; a following Add of a constant [out]
    /// vector becomes its bias (the form PyTorch exports for Linear on 3-D inputs).
    static func matMul(_ c: ONNXNodeContext) throws -> ONNXBuiltNode {
        if let source = c.state.transposedWeights[c.input(1)] { return try matMulByTransposedWeight(c,
                initializer: source) }
        guard let w = try c.floatInitializer(1), w.rank == 2, c.state.initializers[c.input(0)] == nil else {
            return ONNXBuiltNode(op: MatMulOperator(), inputs: [c.input(0), c.input(1)],
                                 outputs: Array(c.node.output.prefix(1)))
        }
        return try linear(c, weight: try w.transposed(), weightInitializer: c.input(1), transposedInFile: true)
    }

    /// MatMul(x, Transpose(W)) with W `[out, in]` as an initializer: a Linear on W itself.
    static func matMulByTransposedWeight(_ c: ONNXNodeContext, initializer: String) throws -> ONNXBuiltNode {
        guard let w = try c.floatInitializer(named: initializer), w.rank == 2 else {
            throw c.fail("the weight '\(initializer)' must be a 2-D float initializer")
        }
        return try linear(c, weight: w, weightInitializer: initializer, transposedInFile: false)
    }

    /// A Linear with `weight` `[out, in]`; a following Add of a constant `[out]` vector becomes its bias.
    static func linear(_ c: ONNXNodeContext, weight: Tensor, weightInitializer: String,
                       transposedInFile: Bool) throws -> ONNXBuiltNode {
        let out = weight.shape[0], y = c.node.output.first ?? ""
        var biasInput: String?, bias: Tensor?, absorbed: [Int] = [], outputs = [y]
        if let readers = c.state.consumers[y], readers.count == 1, !c.state.graphOutputs.contains(y) {
            let add = c.state.nodes[readers[0]]
            if add.opType == "Add", add.input.count == 2, add.domain.isEmpty || add.domain == "ai.onnx" {
                let other = add.input[0] == y ? add.input[1] : add.input[0]
                if case .float(let v)? = try c.state.constant(other), v.shape == [out],
                   c.state.initializers[other] != nil {
                    bias = try c.floatInitializer(named: other)
                    biasInput = other; absorbed = [readers[0]]; outputs = Array(add.output.prefix(1))
                }
            }
        }
        let layer = Linear(weight: weight, bias: bias)
        let owner = transposedInFile ? (biasInput ?? weightInitializer) : weightInitializer
        let op = try c.state.addLayer(layer,
                                      initializer: owner,
                                      suffix: transposedInFile && biasInput != nil ? ".bias" : ".weight", node: c.name)
        c.state.bind(weightInitializer) {
            let w = layer.weight.exportedValue
            return transposedInFile ? ((try? w.transposed()) ?? w) : w
        }
        if let biasInput, let b = layer.bias { c.state.bind(biasInput) { b.exportedValue } }
        return ONNXBuiltNode(op: op, inputs: [c.input(0)], outputs: outputs, absorbed: absorbed)
    }

    static func batchNorm(_ c: ONNXNodeContext) throws -> ONNXBuiltNode {
        if c.int("training_mode", 0) == 1 && c.opset >= 14 {
            let op = BatchNormTrainingOperator(epsilon: c.float("epsilon", 1e-5), momentum: c.float("momentum", 0.9))
            return ONNXBuiltNode(op: op, inputs: Array(c.node.input), outputs: Array(c.node.output))
        }
        guard c.int("training_mode", 0) == 0, c.node.output.filter({ !$0.isEmpty }).count == 1 else {
            throw c.unsupported("training-mode BatchNormalization (running statistics as outputs) before opset 14")
        }
        guard c.opset >= 9 || c.int("spatial", 1) == 1 else { throw c.unsupported("spatial = 0") }
        guard (1...4).allSatisfy({ c.state.initializers[c.input($0)] != nil }) else {
            return try ONNXFunctionalBuilders.batchNorm(c)
        }
        let parts = try (1...4).map { i -> Tensor in
            guard let t = try c.floatInitializer(i) else { throw c.fail("input \(i) must be an initializer") }
            return t
        }
        let n = parts[0].count
        guard parts.allSatisfy({ $0.rank == 1 && $0.count == n }) else {
            throw c.fail("scale, bias, mean and var must be [C] vectors, got \(parts.map(\.shape))")
        }
        // ONNX momentum weighs the old running value; PyTorch's weighs the new batch value.
        let layer = BatchNorm(n, momentum: 1 - c.float("momentum", 0.9), epsilon: c.float("epsilon", 1e-5))
        layer.weight.value = parts[0]; layer.bias.value = parts[1]
        layer.runningMean.value = parts[2]; layer.runningVar.value = parts[3]
        let op = try c.state.addLayer(layer, initializer: c.input(1), suffix: ".weight", node: c.name)
        c.state.bind(c.input(1)) { layer.weight.exportedValue }
        c.state.bind(c.input(2)) { layer.bias.exportedValue }
        c.state.bind(c.input(3)) { layer.runningMean.value }
        c.state.bind(c.input(4)) { layer.runningVar.value }
        return ONNXBuiltNode(op: op, inputs: [c.input(0)], outputs: Array(c.node.output.prefix(1)))
    }

    static func layerNorm(_ c: ONNXNodeContext) throws -> ONNXBuiltNode {
        let axis = c.int("axis", -1)
        guard c.node.output.dropFirst().allSatisfy({ $0.isEmpty }), let scale = try c.floatInitializer(1), axis < 0,
              -axis == scale.rank,
              c.input(2).isEmpty || c.state.initializers[c.input(2)] != nil else {
            return try ONNXFunctionalBuilders.layerNorm(c)
        }
        let bias = try c.floatInitializer(2)
        if let bias, bias.shape != scale.shape {
            throw c.fail("B \(bias.shape) must have the Scale's shape \(scale.shape)")
        }
        let layer = LayerNorm(scale.shape, epsilon: c.float("epsilon", 1e-5))
        layer.weight.value = scale
        if let bias { layer.bias.value = bias }
        let op = try c.state.addLayer(layer, initializer: c.input(1), suffix: ".weight", node: c.name)
        c.state.bind(c.input(1)) { layer.weight.exportedValue }
        if bias != nil { c.state.bind(c.input(2)) { layer.bias.exportedValue } }
        return ONNXBuiltNode(op: op, inputs: [c.input(0)], outputs: Array(c.node.output.prefix(1)))
    }
}
