/// A softmax classifier on a layer's globally averaged outputs: DCP's discrimination-aware loss L_S
/// (Zhuang et al., "Discrimination-aware Channel Pruning for Deep Neural Networks", NeurIPS 2018, §3.1:
/// an average pooling and a fully connected softmax layer on the features). Fitted here by full-batch
/// gradient descent from zero on the dense model's pooled outputs, so it says how well those outputs
/// separate the classes, and its loss's gradient tells which input channels carry that.
public struct AuxiliaryClassifier: Sendable {
    /// `classes` × `features`, row-major.
    public var weight: [Double]
    public var bias: [Double]
    public let classes: Int
    public let features: Int

    /// Fits on `inputs` (`labels.count` × `features`, row-major) by `steps` gradient steps of size
    /// 1/L, L = ½·(λ_max(ZᵀZ/N) + 1) the Lipschitz constant of the mean cross-entropy's gradient.
    public static func fit(inputs z: [Double], features: Int, labels: [Int], classes: Int,
                           steps: Int = 300) -> AuxiliaryClassifier {
        var model = AuxiliaryClassifier(weight: [Double](repeating: 0, count: classes * features),
                                        bias: [Double](repeating: 0, count: classes),
                                        classes: classes, features: features)
        let n = labels.count
        guard n > 0, features > 0 else { return model }
        let sigma = DoubleMatrix.largestSingularValue(z, rows: n, columns: features) ?? 0
        let rate = 1 / (0.5 * (sigma * sigma / Double(n) + 1))
        for _ in 0..<steps {
            let residual = model.residual(inputs: z, labels: labels)
            let gradient = DoubleMatrix.product(residual, z, m: classes, k: n, n: features, transposeA: true)
            for i in model.weight.indices { model.weight[i] -= rate * gradient[i] }
            for r in 0..<n { for k in 0..<classes { model.bias[k] -= rate * residual[r * classes + k] } }
        }
        return model
    }

    /// (softmax(Z·Wᵀ + b) − onehot(y)) / N: the mean cross-entropy's gradient with respect to the logits.
    public func residual(inputs z: [Double], labels: [Int]) -> [Double] {
        let n = labels.count
        var p = probabilities(inputs: z, examples: n)
        for r in 0..<n {
            p[r * classes + labels[r]] -= 1
            for k in 0..<classes { p[r * classes + k] /= Double(n) }
        }
        return p
    }

    /// softmax(Z·Wᵀ + b), `examples` × `classes`.
    func probabilities(inputs z: [Double], examples n: Int) -> [Double] {
        var p = DoubleMatrix.product(z, weight, m: n, k: features, n: classes, transposeB: true)
        for r in 0..<n { for k in 0..<classes { p[r * classes + k] += bias[k] } }
        DoubleMatrix.softmaxRows(&p, rows: n, columns: classes)
        return p
    }
}
