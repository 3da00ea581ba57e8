import CBLAS
import PruneTensor

/// ALPS (Meng, Behdin, Wang & Mazumder, "ALPS: Improved Optimization for Highly Sparse One-Shot
/// Pruning for Large Language Models", NeurIPS 2024): the layer-wise reconstruction problem
/// min ‖X·Wᵀ − X·Ŵᵀ‖² over weights W with the sparsity pattern, solved by ADMM on the split W = D
/// (D carries the pattern) with a penalty ρ that grows as the support settles, then the weights on
/// the final support refitted by preconditioned conjugate gradients.
///
/// With H = XᵀX (normalized to mean diagonal 1 and dampened by `dampening`·I), H = QΛQᵀ computed
/// once per input, each ADMM step is
/// W ← (Ŵ·H − V + ρ·D)·Q·diag(1/(λ + ρ))·Qᵀ;  D ← P(W + V/ρ);  V ← V + ρ·(W − D),
/// where P keeps the largest magnitudes of the layer (unstructured, layer-wise as in the paper) or
/// of each run of M inputs in a row (N:M). Every `updateEvery` steps ρ is multiplied by 1.3, 1.2
/// or 1.1 when more than 10%, 0.5% or any of the support changed, and ADMM stops when the support
/// no longer changes (or after `maxIterations`). The refit then runs `refitIterations` of
/// conjugate gradients on every row's kept weights with the diagonal of H as preconditioner.
public struct ALPS: OneShotMethod {
    public var rho0: Double
    public var maxIterations: Int
    public var updateEvery: Int
    public var refitIterations: Int
    public var dampening: Double

    public init(rho0: Double = 0.1, maxIterations: Int = 60, updateEvery: Int = 3, refitIterations: Int = 40,
                dampening: Double = 0.01) {
        self.rho0 = rho0; self.maxIterations = maxIterations; self.updateEvery = updateEvery
        self.refitIterations = refitIterations; self.dampening = dampening
    }

    public var name: String { "alps" }
    public var needsGram: Bool { true }

    public func prune(weight: Tensor, statistics: LinearInputStatistics, sparsity: OneShotSparsity,
                      layer: String) throws -> Tensor {
        let rows = weight.shape[0], cols = weight.shape[1]
        try statistics.check(columns: cols, layer: layer)
        try sparsity.validate(columns: cols, layer: layer)
        let system = try statistics.normalizedHessian(dampening: dampening, layer: layer)
        let target = weight.scalars
        let wh = ALPSMatrix.product(target, rows: rows, system.h, cols: cols)
        var d = project(target, rows: rows, cols: cols, sparsity: sparsity)
        var w = target, v = [Float](repeating: 0, count: rows * cols)
        var rho = rho0, previous = d
        for step in 1...max(maxIterations, 1) {
            let rhs = (0..<(rows * cols)).map { wh[$0] - v[$0] + Float(rho) * d[$0] }
            w = system.solveShifted(rhs, rows: rows, shift: rho)
            d = project((0..<(rows * cols)).map { w[$0] + v[$0] / Float(rho) }, rows: rows, cols: cols,
                        sparsity: sparsity)
            for i in v.indices { v[i] += Float(rho) * (w[i] - d[i]) }
            guard step % updateEvery == 0 else { continue }
            let kept = d.reduce(0) { $0 + ($1 != 0 ? 1 : 0) }
            let changed = zip(d, previous).reduce(0) { $0 + (($1.0 != 0) != ($1.1 != 0) ? 1 : 0) }
            previous = d
            if changed == 0 { break }
            let fraction = Double(changed) / Double(max(kept, 1))
            rho *= fraction > 0.1 ? 1.3 : fraction > 0.005 ? 1.2 : 1.1
        }
        let mask = d.map { $0 != 0 }
        let refit = ALPSMatrix.conjugateGradientRefit(start: d, target: target, mask: mask, h: system.h, rows: rows,
                                                      cols: cols, iterations: refitIterations)
        guard refit.allSatisfy({ $0.isFinite }) else {
            throw OneShotError.numerical(layer: layer, reason: "ALPS produced non-finite weights")
        }
        return Tensor(unchecked: weight.shape, refit)
    }

    /// P: the pattern's largest magnitudes kept, the rest zero.
    func project(_ x: [Float], rows: Int, cols: Int, sparsity: OneShotSparsity) -> [Float] {
        var out = x
        switch sparsity {
        case .unstructured(let s):
            let k = Int((s * Double(x.count)).rounded())
            guard k > 0 else { return out }
            let threshold = Selection.kthSmallest(x.map(abs), k)
            var removed = 0
            for i in x.indices where abs(x[i]) < threshold { out[i] = 0; removed += 1 }
            for i in x.indices where removed < k && abs(x[i]) == threshold { out[i] = 0; removed += 1 }
        case let .nOfM(n, m) where m <= 64:
            // In each run of M inputs, the M − N smallest magnitudes go (the earlier one on ties).
            for start in stride(from: 0, to: x.count, by: m) {
                var removed: UInt64 = 0
                for _ in 0..<(m - n) {
                    var lowest = -1
                    for j in 0..<m where removed & (1 << UInt64(j)) == 0 {
                        if lowest < 0 || abs(x[start + j]) < abs(x[start + lowest]) { lowest = j }
                    }
                    removed |= 1 << UInt64(lowest)
                    out[start + lowest] = 0
                }
            }
        case .nOfM:
            let remove = LowestSelection.perRow(x.map { Double(abs($0)) }, rows: rows, cols: cols, sparsity: sparsity)
            for i in remove.indices where remove[i] { out[i] = 0 }
        }
        return out
    }
}
