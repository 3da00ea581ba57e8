import CBLAS
import PruneTensor

/// The normalized, dampened H = XᵀX of one layer input and its eigendecomposition, for ``ALPS``.
final class ALPSSystem {
    let h: [Float]
    let q: [Float]
    let eigenvalues: [Double]
    let n: Int

    init(h: [Float], q: [Float], eigenvalues: [Double], n: Int) {
        self.h = h; self.q = q; self.eigenvalues = eigenvalues; self.n = n
    }

    /// X·(H + shift·I)⁻¹ for X `[rows, n]` (H symmetric): ((X·Q)·diag(1/(λ + shift)))·Qᵀ.
    func solveShifted(_ x: [Float], rows: Int, shift: Double) -> [Float] {
        var xq = ALPSMatrix.product(x, rows: rows, q, cols: n)
        let scale = eigenvalues.map { Float(1 / ($0 + shift)) }
        for r in 0..<rows { for j in 0..<n { xq[r * n + j] *= scale[j] } }
        return ALPSMatrix.product(xq, rows: rows, q, cols: n, transposeB: true)
    }
}

extension LinearInputStatistics {
    /// H = Σ x·xᵀ scaled to mean diagonal 1, plus `dampening`·I, with its eigendecomposition;
    /// computed once per statistics object (layers reading one input share it).
    func normalizedHessian(dampening: Double, layer: String) throws -> ALPSSystem {
        if let cached = derived["alps.\(dampening)"] as? ALPSSystem { return cached }
        guard var h = hessian() else { throw OneShotError.noCalibrationData("\(layer) saw no calibration tokens") }
        let n = features
        let mean = (0..<n).reduce(0.0) { $0 + h[$1 * n + $1] } / Double(max(n, 1))
        let scale = mean > 0 ? 1 / mean : 1
        for i in h.indices { h[i] *= scale }
        for i in 0..<n { h[i * n + i] += dampening + (h[i * n + i] == 0 ? 1 : 0) }
        guard let eigen = SymmetricEigen(h, n: n) else {
            throw OneShotError.numerical(layer: layer, reason: "the eigendecomposition of X·Xᵀ did not converge")
        }
        let system = ALPSSystem(h: h.map(Float.init), q: eigen.vectors.map(Float.init), eigenvalues: eigen.values, n: n)
        derived["alps.\(dampening)"] = system
        return system
    }
}

enum ALPSMatrix {
    /// A `[rows, cols]` · B `[cols, cols]` (or Bᵀ), row-major, through BLAS.
    static func product(_ a: [Float], rows: Int, _ b: [Float], cols: Int, transposeB: Bool = false) -> [Float] {
        var c = [Float](repeating: 0, count: rows * cols)
        c.withUnsafeMutableBufferPointer { pc in
            Tensor.gemm(a, b, pc.baseAddress!, m: rows, n: cols, k: cols, transB: transposeB)
        }
        return c
    }

    /// Minimizes Σ_r (w_r − ŵ_r)ᵀH(w_r − ŵ_r) over each row's weights inside `mask`, starting at
    /// `start`: conjugate gradients per row with the diagonal of H as preconditioner.
    static func conjugateGradientRefit(start: [Float], target: [Float], mask: [Bool], h: [Float], rows: Int, cols: Int,
                                       iterations: Int) -> [Float] {
        var w = start
        let diagonal = (0..<cols).map { max(h[$0 * cols + $0], 1e-12) }
        func masked(_ x: [Float]) -> [Float] { zip(x, mask).map { $1 ? $0 : 0 } }
        // Residual r = −∇/2 = (Ŵ − W)·H on the support.
        var r = masked(product((0..<w.count).map { target[$0] - w[$0] }, rows: rows, h, cols: cols))
        var z = (0..<r.count).map { r[$0] / diagonal[$0 % cols] }
        var p = z
        var rz = rowDots(r, z, rows: rows, cols: cols)
        for _ in 0..<max(iterations, 0) {
            let ap = masked(product(p, rows: rows, h, cols: cols))
            let pap = rowDots(p, ap, rows: rows, cols: cols)
            for row in 0..<rows where pap[row] > 0 {
                let alpha = Float(rz[row] / pap[row])
                for j in (row * cols)..<((row + 1) * cols) { w[j] += alpha * p[j]; r[j] -= alpha * ap[j] }
            }
            z = (0..<r.count).map { r[$0] / diagonal[$0 % cols] }
            let next = rowDots(r, z, rows: rows, cols: cols)
            for row in 0..<rows {
                let beta = rz[row] > 0 ? Float(next[row] / rz[row]) : 0
                for j in (row * cols)..<((row + 1) * cols) { p[j] = z[j] + beta * p[j] }
            }
            rz = next
        }
        return masked(w)
    }

    static func rowDots(_ a: [Float], _ b: [Float], rows: Int, cols: Int) -> [Double] {
        (0..<rows).map { r in
            var s = 0.0
            for j in (r * cols)..<((r + 1) * cols) { s += Double(a[j]) * Double(b[j]) }
            return s
        }
    }
}
