/// He et al.'s reconstruction (ICCV 2017, eq. 3 with β fixed): the kept weights W′ = argmin ‖Y − X′·W′ᵀ‖²,
/// i.e. W′ᵀ = (X′ᵀX′ + δI)⁻¹·X′ᵀY, with δ = `dampening` × the mean diagonal of X′ᵀX′ so that inputs that
/// never fire (a ReLU channel always zero on the calibration data) keep the system positive definite.
public struct LeastSquaresWeights: ChannelReconstruction {
    public var name: String { "weights" }
    public var dampening: Double
    public init(dampening: Double = 0.01) { self.dampening = dampening }

    public func refit(_ p: RefitProblem, layer: String) throws -> [Float] {
        let f = p.features
        var a = p.gram
        Cholesky.dampen(&a, count: f, stride: f, fraction: dampening, floor: 1e-12)
        guard Cholesky.invert(&a, n: f) else {
            throw PruningError.incompatible(layer: layer, reason: "the kept inputs' Gram matrix is not positive "
                                            + "definite, so the least-squares refit has no solution")
        }
        var w = [Float](repeating: 0, count: p.outputs * f)
        for o in 0..<p.outputs {
            for i in 0..<f {
                var sum = 0.0
                for j in 0..<f { sum += a[i * f + j] * p.cross[j * p.outputs + o] }
                w[o * f + i] = Float(sum)
            }
        }
        return w
    }
}
