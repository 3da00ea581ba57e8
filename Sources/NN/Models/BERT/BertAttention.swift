import PruneTensor
import PruneAutodiff

/// BERT's attention sub-block: self-attention, the output projection (`output.dense`), and a
/// residual connection followed by LayerNorm (`output.LayerNorm`), as in Devlin et al. 2019.
public final class BertAttention: Module {
    public let selfAttention: BertSelfAttention
    public let output: BertResidualOutput
    public var isTraining = false

    public init(selfAttention: BertSelfAttention, output: BertResidualOutput) {
        self.selfAttention = selfAttention; self.output = output
    }

    public var children: [(name: String, module: any Module)] { [("self", selfAttention), ("output", output)] }

    public func forward(_ x: Variable) throws -> Variable { try forward(x, attentionBias: nil, observer: nil) }

    /// Runs the sub-block; `observer` sees the inputs of its Linear layers (paths relative to the layer).
    public func forward(_ x: Variable, attentionBias: Tensor?, observer: LinearInputObserver?) throws -> Variable {
        try observer?.observe(x.value, paths: ["attention.self.query", "attention.self.key", "attention.self.value"])
        let context = try selfAttention.forward(x, attentionBias: attentionBias)
        try observer?.observe(context.value, paths: ["attention.output.dense"])
        return try output.forward(context, residual: x)
    }

    /// Removes heads: query/key/value rows and the matching input columns of the output projection.
    public func keepHeads(_ kept: [Int]) throws {
        let d = selfAttention.headSize
        let cols = kept.flatMap { h in (h * d)..<((h + 1) * d) }
        try selfAttention.keepHeads(kept)
        try output.keepInputColumns(cols)
    }

    public var summary: String { "BertAttention(\(selfAttention.headCount) heads)" }
}

/// `LayerNorm(dense(x) + residual)`: the output half of BERT's attention and MLP sub-blocks.
public final class BertResidualOutput: Module {
    public private(set) var dense: any LinearLayer
    public let layerNorm: LayerNorm
    public var isTraining = false

    public init(dense: any LinearLayer, layerNorm: LayerNorm) { self.dense = dense; self.layerNorm = layerNorm }

    public var children: [(name: String, module: any Module)] { [("dense", dense), ("LayerNorm", layerNorm)] }

    public func replaceChild(named name: String, with module: any Module) throws {
        guard name == "dense", let l = module as? any LinearLayer else { throw ModuleError.invalidChild(container: "output", child: name, reason: "only dense (a Linear layer) is replaceable") }
        dense = l
    }

    public func forward(_ x: Variable) throws -> Variable { try layerNorm.forward(dense.forward(x)) }

    public func forward(_ x: Variable, residual: Variable) throws -> Variable {
        let projected: Variable
        if dense.inFeatures == 0 {
            // Every input feature was pruned (all heads removed): the projection is its bias.
            let bias = dense.biasValue ?? Tensor.zeros([dense.outFeatures])
            projected = Variable(try Tensor.zeros(residual.shape) + bias)
        } else {
            projected = try dense.forward(x)
        }
        return try layerNorm.forward(projected + residual)
    }

    /// Keeps only the given input columns of `dense`.
    public func keepInputColumns(_ cols: [Int]) throws {
        guard let l = dense as? any PrunableWeightLayer else {
            throw ModuleError.invalidChild(container: "output", child: "dense",
                                           reason: "input columns can only be removed from a dense Linear layer")
        }
        dense = Linear(weight: try l.prunableWeight.value.gather(axis: 1, indices: cols), bias: dense.biasValue)
    }

    public var summary: String { "BertResidualOutput(\(dense.inFeatures) → \(dense.outFeatures))" }
}

