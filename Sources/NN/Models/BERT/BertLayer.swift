import PruneTensor
import PruneAutodiff

/// One BERT encoder block: attention sub-block, then the GELU MLP (`intermediate.dense`,
/// `output.dense`) with a residual connection and LayerNorm. Devlin et al. 2019.
public final class BertLayer: Module {
    public let attention: BertAttention
    public private(set) var intermediate: any LinearLayer
    public let output: BertResidualOutput
    public var isTraining = false

    public init(attention: BertAttention, intermediate: any LinearLayer, output: BertResidualOutput) {
        self.attention = attention; self.intermediate = intermediate; self.output = output
    }

    public var children: [(name: String, module: any Module)] {
        [("attention", attention), ("intermediate", BertIntermediate(dense: intermediate, owner: self)), ("output",
                output)]
    }

    func setIntermediate(_ l: any LinearLayer) { intermediate = l }

    public func forward(_ x: Variable) throws -> Variable { try forward(x, attentionBias: nil, observer: nil) }

    public func forward(_ x: Variable, attentionBias: Tensor?, observer: LinearInputObserver?) throws -> Variable {
        let a = try attention.forward(x, attentionBias: attentionBias, observer: observer)
        try observer?.observe(a.value, paths: ["intermediate.dense"])
        let hidden = try intermediate.forward(a).gelu()
        try observer?.observe(hidden.value, paths: ["output.dense"])
        return try output.forward(hidden, residual: a)
    }

    /// The prunable (dense) projections of the block, by path relative to the block, in execution
    /// order (layers already converted to a sparse format are left out).
    public var linearLayers: [(path: String, layer: any LinearLayer & PrunableWeightLayer)] {
        let all: [(String, any LinearLayer)] = [
            ("attention.self.query", attention.selfAttention.query), ("attention.self.key",
                                                                      attention.selfAttention.key),
            ("attention.self.value", attention.selfAttention.value), ("attention.output.dense", attention.output.dense),
            ("intermediate.dense", intermediate), ("output.dense", output.dense)]
        return all.compactMap { p, l in (l as? any LinearLayer & PrunableWeightLayer).map { (p, $0) } }
    }

    public var summary: String { "BertLayer(\(attention.selfAttention.headCount) heads, MLP \(intermediate.outFeatures))" }
}

/// The `intermediate` level of the Hugging Face layout, which only holds `dense`; a view so that
/// parameter paths read `encoder.layer.N.intermediate.dense.weight`.
final class BertIntermediate: Module {
    let dense: any LinearLayer
    unowned let owner: BertLayer
    var isTraining = false

    init(dense: any LinearLayer, owner: BertLayer) { self.dense = dense; self.owner = owner }

    var children: [(name: String, module: any Module)] { [("dense", dense)] }

    func replaceChild(named name: String, with module: any Module) throws {
        guard name == "dense", let l = module as? any LinearLayer else { throw ModuleError.invalidChild(container: "intermediate", child: name, reason: "only dense (a Linear layer) is replaceable") }
        owner.setIntermediate(l)
    }

    func forward(_ x: Variable) throws -> Variable { try dense.forward(x).gelu() }
}
