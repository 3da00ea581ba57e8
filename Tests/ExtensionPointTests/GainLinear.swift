import Prune

/// A layer the library does not have: y = g ⊙ (x·Wᵀ) + b, one learned gain per output. It joins
/// masks, structured removal and sparse conversion by conforming to three protocols.
final class GainLinear: PrunableWeightLayer, ChannelPrunable, SparseConvertible {
    let weight: Parameter, gain: Parameter, bias: Parameter
    var isTraining = true
    init(weight: Tensor, gain: Tensor, bias: Tensor) {
        self.weight = Parameter(weight); self.gain = Parameter(gain); self.bias = Parameter(bias)
    }
    var ownParameters: [(name: String, parameter: Parameter)] { [("weight", weight), ("gain", gain), ("bias", bias)] }
    func forward(_ x: Variable) throws -> Variable {
        try Variable.linear(x, weight: weight.variable(), bias: nil) * gain.variable() + bias.variable()
    }
    // PrunableWeightLayer: masks and criteria act on W, one row per output.
    var prunableWeight: Parameter { weight }
    func outputPositions(forInput input: Tensor) -> Int { 1 }
    // ChannelPrunable: an output is a row of W with its gain and bias; an input is a column of W.
    var prunableOutChannels: Int { weight.value.shape[0] }
    var prunableInChannels: Int { weight.value.shape[1] }
    var channelTransform: ChannelTransform { .mixing(kernelArea: 1, bias: true) }
    var channelAxis: ChannelAxis { .last }
    func pruneOutChannels(keeping k: [Int]) {
        for p in [weight, gain, bias] { p.value = try! p.value.gather(axis: 0, indices: k) }
    }
    func pruneInChannels(keeping k: [Int]) { weight.value = try! weight.value.gather(axis: 1, indices: k) }
    // SparseConvertible: diag(g)·W in the requested format, same bias.
    func sparseReplacement(_ conversion: SparseConversion, minimumSparsity: Double) throws -> SparseReplacement? {
        let w = weight.effectiveValue, n = w.shape[1]
        guard SparseConversion.isSparse(w.scalars, atLeast: minimumSparsity),
              let format = try conversion.format(for: w) else { return nil }
        let scaled = Tensor(unchecked: w.shape, w.scalars.enumerated().map { $0.element * gain.value.scalars[$0.offset / n] })
        let layer = try SparseLinear(weight: scaled, bias: bias.value, format: format)
        return SparseReplacement(module: layer, format: layer.weight.formatName)
    }
}
