/// Linear centered kernel alignment (Kornblith et al., "Similarity of Neural Network Representations
/// Revisited", ICML 2019): for representations X (n × p) and Y (n × q) of the same n examples, with
/// every column centered, CKA = ‖YᵀX‖²_F / (‖XᵀX‖_F · ‖YᵀY‖_F). It is 1 for identical representations, is
/// unchanged by orthogonal transforms and isotropic scaling of either, and compares layers of different
/// widths — what the hybrid layer-vs-filter choice measures a pruned child against its parent with.
public enum CenteredKernelAlignment {
    /// Linear CKA of row-major `x` (`rows` × `xColumns`) and `y` (`rows` × `yColumns`); 0 when either is
    /// constant over the examples.
    public static func linear(_ x: [Double], _ y: [Double], rows n: Int, xColumns p: Int, yColumns q: Int) -> Double {
        guard n > 1, p > 0, q > 0, x.count == n * p, y.count == n * q else { return 0 }
        let cx = centered(x, rows: n, columns: p), cy = centered(y, rows: n, columns: q)
        let cross = DoubleMatrix.product(cy, cx, m: q, k: n, n: p, transposeA: true)
        let xx = DoubleMatrix.product(cx, cx, m: p, k: n, n: p, transposeA: true)
        let yy = DoubleMatrix.product(cy, cy, m: q, k: n, n: q, transposeA: true)
        let num = cross.reduce(0) { $0 + $1 * $1 }
        let den = xx.reduce(0) { $0 + $1 * $1 }.squareRoot() * yy.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return den > 0 ? num / den : 0
    }

    static func centered(_ a: [Double], rows n: Int, columns p: Int) -> [Double] {
        var out = a
        for j in 0..<p {
            var mean = 0.0
            for i in 0..<n { mean += a[i * p + j] }
            mean /= Double(n)
            for i in 0..<n { out[i * p + j] -= mean }
        }
        return out
    }
}
