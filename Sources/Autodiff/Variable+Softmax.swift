import PruneTensor

/// Softmax, log-softmax and the fused softmax cross-entropy.
extension Variable {
    public func softmax(axis: Int = -1) throws -> Variable {
        let y = try value.softmax(axis: axis)
        return Variable.record(y, [self]) { g in
            let dot = try (g * y).sum(axes: [axis], keepDims: true)
            return [try y * (g - dot)]
        }
    }

    public func logSoftmax(axis: Int = -1) throws -> Variable {
        let y = try value.logSoftmax(axis: axis)
        return Variable.record(y, [self]) { g in
            let s = try g.sum(axes: [axis], keepDims: true)
            return [try g - y.exp() * s]
        }
    }

    /// Mean cross-entropy of `[N, K]` logits against class labels, with optional label smoothing
    /// ε: the target puts 1 − ε on the label and ε/K on every class (Szegedy et al. 2016).
    /// Fused: the gradient is (softmax − target) / N.
    public static func softmaxCrossEntropy(logits: Variable, labels: [Int],
                                           labelSmoothing: Float = 0) throws -> Variable {
        guard logits.value.rank == 2, logits.shape[0] == labels.count else {
            throw TensorError.shapeMismatch(op: "crossEntropy", shapes: [logits.shape, [labels.count]],
                                            reason: "logits must be [N, classes] with one label per row")
        }
        guard (0..<1).contains(labelSmoothing) else {
            throw TensorError.invalidArgument(op: "crossEntropy",
                                              reason: "label smoothing \(labelSmoothing) must be in [0, 1)")
        }
        let n = labels.count, k = logits.shape[1]
        for l in labels where l < 0 || l >= k {
            throw TensorError.invalidArgument(op: "crossEntropy", reason: "label \(l) out of range 0..<\(k)")
        }
        let logp = try logits.value.logSoftmax(axis: 1)
        let off = labelSmoothing / Float(k), on = 1 - labelSmoothing + off
        var loss: Double = 0
        logp.scalars.withUnsafeBufferPointer { lp in
            for i in 0..<n {
                if labelSmoothing == 0 { loss -= Double(lp[i * k + labels[i]]); continue }
                var row: Float = 0
                for j in 0..<k { row += (j == labels[i] ? on : off) * lp[i * k + j] }
                loss -= Double(row)
            }
        }
        let value = Tensor(Float(loss / Double(Swift.max(n, 1))))
        return record(value, [logits]) { g in
            let scale = g.scalars[0] / Float(Swift.max(n, 1))
            var d = logp.exp()
            d.scalars.withUnsafeMutableBufferPointer { dp in
                for i in 0..<n {
                    for j in 0..<k { dp[i * k + j] -= (j == labels[i] ? on : off) }
                }
                for i in 0..<dp.count { dp[i] *= scale }
            }
            return [d]
        }
    }

    /// Inverted dropout: zeroes each value with probability `p` and scales the rest by 1/(1 − p).
    public func dropout(_ p: Float, using rng: inout RandomGenerator) throws -> Variable {
        guard (0..<1).contains(p) else {
            throw TensorError.invalidArgument(op: "dropout", reason: "probability \(p) must be in [0, 1)")
        }
        if p == 0 { return self }
        let keep = 1 - p
        var mask = [Float](repeating: 0, count: value.count)
        for i in 0..<mask.count { mask[i] = rng.nextUniform() < keep ? 1 / keep : 0 }
        let m = Tensor(unchecked: shape, mask)
        return try self * Variable(m)
    }
}
