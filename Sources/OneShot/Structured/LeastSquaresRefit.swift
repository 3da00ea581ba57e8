import CBLAS
import PruneTensor
import PruneNN
import PrunePruning

/// The projection that follows a removed structure, made to reproduce its dense output on the
/// calibration inputs with the channels that remain. With inputs x (all channels), kept channels K
/// and Gram G = Σx·xᵀ, s = Σx over N tokens:
///
/// - refit: W'_K = argmin Σ_t ‖W·x_t − W'_K·x_{t,K}‖² = W·G_{:,K}·(G_KK + λI)⁻¹ (closed form,
///   no training; λ = `dampening` × mean diagonal of G_KK, as SparseGPT dampens its Hessian);
/// - bias compensation (FLAP): W_K kept and the removed channels' mean output W_{:,R}·x̄_R added to the bias;
/// - both: the least-squares fit with an intercept, [W'_K b'] from the augmented system
///   [[G_KK, s_K], [s_Kᵀ, N]].
///
/// Llama has no bias in o_proj or down_proj; a compensated layer gets one (exported as transformers'
/// `attention_bias` / `mlp_bias` and GGUF `*.bias` tensors).
public struct LeastSquaresRefit: Sendable {
    public var refit: Bool
    public var compensateBias: Bool
    public var dampening: Double

    public init(refit: Bool, compensateBias: Bool, dampening: Double = 0.01) {
        self.refit = refit; self.compensateBias = compensateBias; self.dampening = dampening
    }

    /// The layer with input channels `kept` of `layer` (dense), fitted as configured.
    public func fit(_ layer: any LinearLayer, kept: [Int], statistics s: ChannelStatistics,
                    path: String) throws -> Linear {
        let w = try StructuredSlice.dense(layer, path), out = w.shape[0], n = w.shape[1]
        guard s.channels == n, s.tokens > 0 else {
            throw OneShotError.invalid("\(path): statistics of \(s.channels) channels for a weight of \(n) inputs")
        }
        if !refit {
            let sliced = try StructuredSlice.columns(layer, kept, path)
            guard compensateBias else { return sliced }
            return Linear(weight: sliced.weight.value, bias: try compensatedBias(w, layer.biasValue, kept: kept, s))
        }
        let (solution, k1) = try solve(w, kept: kept, s, path: path)
        let k = kept.count
        var weight = [Float](repeating: 0, count: out * k), bias = layer.biasValue?.scalars ?? [Float](
            repeating: 0, count: out)
        for o in 0..<out {
            for j in 0..<k { weight[o * k + j] = Float(solution[o * k1 + j]) }
            if compensateBias { bias[o] += Float(solution[o * k1 + k]) }
        }
        let hasBias = compensateBias || layer.biasValue != nil
        return Linear(weight: Tensor(unchecked: [out, k], weight), bias: hasBias ? Tensor(bias) : nil)
    }

    func compensatedBias(_ w: Tensor, _ old: Tensor?, kept: [Int], _ s: ChannelStatistics) throws -> Tensor {
        let out = w.shape[0], n = w.shape[1], keptSet = Set(kept)
        var bias = old?.scalars ?? [Float](repeating: 0, count: out)
        for c in 0..<n where !keptSet.contains(c) {
            let m = s.mean(c)
            for o in 0..<out { bias[o] += Float(Double(w.scalars[o * n + c]) * m) }
        }
        return Tensor(bias)
    }

    /// Solves X·A = B for X (`out × k1`), A the (augmented) Gram of the kept channels, B = W·G_{:,K}
    /// (and W·s); k1 = k (+1 with the intercept).
    func solve(_ w: Tensor, kept: [Int], _ s: ChannelStatistics, path: String) throws -> ([Double], Int) {
        let out = w.shape[0], n = w.shape[1], k = kept.count, k1 = k + (compensateBias ? 1 : 0)
        var a = [Double](repeating: 0, count: k1 * k1), cross = [Double](repeating: 0, count: n * k1)
        for (i, ci) in kept.enumerated() {
            for (j, cj) in kept.enumerated() { a[i * k1 + j] = Double(s.gram[ci * n + cj]) }
            for c in 0..<n { cross[c * k1 + i] = Double(s.gram[c * n + ci]) }
        }
        if compensateBias {
            for (i, ci) in kept.enumerated() { a[i * k1 + k] = s.sums[ci]; a[k * k1 + i] = s.sums[ci] }
            a[k * k1 + k] = Double(s.tokens)
            for c in 0..<n { cross[c * k1 + k] = s.sums[c] }
        }
        Cholesky.dampen(&a, count: k, stride: k1, fraction: dampening, floor: 1e-8)
        guard Cholesky.invert(&a, n: k1) else {
            throw OneShotError.numerical(layer: path, reason: "the kept channels' Gram matrix is not positive definite")
        }
        let wd = w.scalars.map(Double.init)
        var b = [Double](repeating: 0, count: out * k1), x = [Double](repeating: 0, count: out * k1)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(out), Int32(k1), Int32(n), 1, wd, Int32(n),
                    cross, Int32(k1), 0, &b, Int32(k1))
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(out), Int32(k1), Int32(k1), 1, b, Int32(k1),
                    a, Int32(k1), 0, &x, Int32(k1))
        return (x, k1)
    }
}
