/// DCP's greedy channel selection (Zhuang et al., "Discrimination-aware Channel Pruning for Deep Neural
/// Networks", NeurIPS 2018, Algorithm 2) for the channels of a group, over the layers that read them.
/// Each such layer contributes L(W) = L_M(W) + λ·L_S(W): the reconstruction error of its dense outputs
/// (mean squared error over the sampled patches and output channels, L_M = tr(ΔΣΔᵀ)/O with Δ = W₀ − W on
/// the group's input columns and Σ their patch Gram over the samples) and the cross-entropy of an
/// ``AuxiliaryClassifier`` on its globally averaged outputs (the per-example mean patch x̄ times W).
/// Starting from W = 0 on the group's columns, each step adds the channel whose columns have the largest
/// gradient norm ‖∂L/∂W_k‖_F, then takes `steps` gradient steps on the selected columns only (the
/// paper's subproblem, solved by SGD there), warm-started from the previous step.
public struct DCPSelection: Sendable {
    /// One layer reading the group: its part of the objective.
    public struct Term: Sendable {
        public let outputs: Int
        /// Input features per channel (kernel area × expansion).
        public let unit: Int
        /// Σ x·xᵀ / S over the group's `channels·unit` input features.
        public let gram: [Double]
        /// The dense weight's group columns, `outputs` × `channels·unit`.
        public let weight: [Double]
        /// Per example, the mean patch over the group's features (`labels.count` × `channels·unit`).
        public let pooled: [Double]
        /// Per example, the dense layer's globally averaged output without bias (`labels.count` × `outputs`).
        public let denseOutputs: [Double]
        public let classifier: AuxiliaryClassifier
        public let labels: [Int]

        public init(outputs: Int, unit: Int, gram: [Double], weight: [Double], pooled: [Double],
                    denseOutputs: [Double], classifier: AuxiliaryClassifier, labels: [Int]) {
            self.outputs = outputs; self.unit = unit; self.gram = gram; self.weight = weight; self.pooled = pooled
            self.denseOutputs = denseOutputs; self.classifier = classifier; self.labels = labels
        }
    }

    /// λ, the weight of the discrimination-aware loss.
    public var lambda: Double
    /// Gradient steps on the selected columns after each selection.
    public var steps: Int

    public init(lambda: Double = 1, steps: Int = 10) { self.lambda = lambda; self.steps = steps }

    /// Every channel, most important (selected first) first. Ties go to the lower index.
    public func selectionOrder(terms: [Term], channels c: Int) -> [Int] {
        let rates = terms.map { stepSize($0, channels: c) }
        var weights = terms.map { [Double](repeating: 0, count: $0.outputs * c * $0.unit) }
        var selected: [Int] = [], isSelected = [Bool](repeating: false, count: c)
        var gradients = zip(terms, weights).map { gradient($0, at: $1, channels: c) }
        while selected.count < c {
            var norms = [Double](repeating: 0, count: c)
            for (t, g) in zip(terms, gradients) { addColumnNorms(g, term: t, channels: c, into: &norms) }
            var best = -1
            for k in 0..<c where !isSelected[k] && (best < 0 || norms[k] > norms[best]) { best = k }
            selected.append(best)
            isSelected[best] = true
            for _ in 0..<steps {
                for i in terms.indices {
                    descend(&weights[i], gradients[i], rate: rates[i], term: terms[i], selected: isSelected)
                    gradients[i] = gradient(terms[i], at: weights[i], channels: c)
                }
            }
        }
        return selected
    }

    /// ∂L/∂W at W on the group's columns (`outputs` × `channels·unit`): −(2/O)·ΔΣ + λ·(R·A)ᵀ·X̄, with
    /// R the cross-entropy's gradient in the logits of the pooled outputs Z₀ − X̄·Δᵀ.
    func gradient(_ t: Term, at w: [Double], channels c: Int) -> [Double] {
        let width = c * t.unit, n = t.labels.count, o = t.outputs
        let delta = zip(t.weight, w).map { $0 - $1 }
        var g = DoubleMatrix.product(delta, t.gram, m: o, k: width, n: width)
        let scale = -2 / Double(o)
        for i in g.indices { g[i] *= scale }
        guard lambda != 0, n > 0 else { return g }
        var z = DoubleMatrix.product(t.pooled, delta, m: n, k: width, n: o, transposeB: true)
        for i in z.indices { z[i] = t.denseOutputs[i] - z[i] }
        let r = t.classifier.residual(inputs: z, labels: t.labels)
        let ra = DoubleMatrix.product(r, t.classifier.weight, m: n, k: t.classifier.classes, n: o)
        let s = DoubleMatrix.product(ra, t.pooled, m: o, k: n, n: width, transposeA: true)
        for i in g.indices { g[i] += lambda * s[i] }
        return g
    }

    /// 1/L with L = (2/O)·λ_max(Σ) + λ·½·σ_max(A)²·σ_max(X̄)²/N, a bound on the Lipschitz constant of
    /// ∂L/∂W over the group's columns (so on any subset of them); 0 when L is 0.
    func stepSize(_ t: Term, channels c: Int) -> Double {
        let width = c * t.unit, n = max(t.labels.count, 1)
        let sigma = DoubleMatrix.largestSingularValue(t.gram, rows: width, columns: width) ?? 0
        let a = DoubleMatrix.largestSingularValue(t.classifier.weight, rows: t.classifier.classes,
                                                  columns: t.outputs) ?? 0
        let x = DoubleMatrix.largestSingularValue(t.pooled, rows: t.labels.count, columns: width) ?? 0
        let lipschitz = 2 / Double(t.outputs) * sigma + lambda * 0.5 * a * a * x * x / Double(n)
        return lipschitz > 0 && lipschitz.isFinite ? 1 / lipschitz : 0
    }

    func addColumnNorms(_ g: [Double], term t: Term, channels c: Int, into norms: inout [Double]) {
        let width = c * t.unit
        for o in 0..<t.outputs {
            for k in 0..<c {
                var sum = 0.0
                for j in 0..<t.unit { let v = g[o * width + k * t.unit + j]; sum += v * v }
                norms[k] += sum
            }
        }
    }

    func descend(_ w: inout [Double], _ g: [Double], rate: Double, term t: Term, selected: [Bool]) {
        let c = selected.count, width = c * t.unit
        for o in 0..<t.outputs {
            for k in 0..<c where selected[k] {
                for j in 0..<t.unit { w[o * width + k * t.unit + j] -= rate * g[o * width + k * t.unit + j] }
            }
        }
    }
}
