/// ThiNet's refit (Luo et al., ICCV 2017, eq. 7): one scale ŵ_c per kept input channel, ŵ = argmin
/// Σ_{s,o} (Y_{s,o} − Σ_c ŵ_c·ẑ_{s,o,c})², ẑ the channel's contribution through the current weight; the
/// channel's weights are then multiplied by ŵ_c. The normal equations come from the same X′ᵀX′ and X′ᵀY:
/// A[c, c′] = block sums of X′ᵀX′ ⊙ WᵀW, r_c = Σ_o Σ_j W[o, c·u + j]·(X′ᵀY)[c·u + j, o].
public struct ChannelScaling: ChannelReconstruction {
    public var name: String { "scales" }
    public var dampening: Double
    public init(dampening: Double = 1e-6) { self.dampening = dampening }

    public func refit(_ p: RefitProblem, layer: String) throws -> [Float] {
        let u = p.unit, f = p.features, c = f / u, o = p.outputs
        guard c * u == f else {
            throw PruningError.incompatible(layer: layer, reason: "\(f) input features are not channels of \(u)")
        }
        let w = p.weight.map(Double.init)
        var a = ChannelContributionGram.blockSums(p.gram, stride: f, offset: 0,
                                                  weightGram: ChannelContributionGram.weightGram(w, rows: o, width: f),
                                                  unit: u, channels: c)
        var r = [Double](repeating: 0, count: c)
        for i in 0..<f { for k in 0..<o { r[i / u] += w[k * f + i] * p.cross[i * o + k] } }
        Cholesky.dampen(&a, count: c, stride: c, fraction: dampening, floor: 1e-12)
        guard Cholesky.invert(&a, n: c) else {
            throw PruningError.incompatible(layer: layer, reason: "the kept channels' contributions are linearly "
                                            + "dependent, so their scales have no least-squares solution")
        }
        let scales = (0..<c).map { i in (0..<c).reduce(0.0) { $0 + a[i * c + $1] * r[$1] } }
        return (0..<(o * f)).map { Float(w[$0] * scales[($0 % f) / u]) }
    }
}
