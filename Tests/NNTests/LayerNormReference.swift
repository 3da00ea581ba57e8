import PruneTensor

/// Layer normalization by its definition in Double, for the tests to compare against: each row of `n`
/// values becomes (x − mean)/√(var + ε), then · γ + β when they are given.
enum LayerNormReference {
    static func rows(_ x: Tensor, n: Int, epsilon: Double = 1e-5, gamma: Tensor? = nil,
                     beta: Tensor? = nil) -> [Double] {
        (0..<x.count / n).flatMap { r -> [Double] in
            let row = (0..<n).map { Double(x.scalars[r * n + $0]) }
            let mean = row.reduce(0, +) / Double(n)
            let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
            return (0..<n).map { j in
                let normalized = (row[j] - mean) / (variance + epsilon).squareRoot()
                guard let gamma, let beta else { return normalized }
                return normalized * Double(gamma.scalars[j]) + Double(beta.scalars[j])
            }
        }
    }
}
