import CDenseKernels

/// Batch normalization in training as fused per-channel passes (`batchnorm.c`): statistics and output in
/// one call, the three gradients in another. Ioffe & Szegedy, "Batch Normalization", ICML 2015.
extension Tensor {
    /// The statistics of a training step: per-channel batch mean, biased variance and 1/√(variance + ε).
    public struct BatchNormStatistics: Sendable {
        public let mean: [Float]
        public let variance: [Float]
        public let invStd: [Float]
    }

    /// y = (x − μ_c)/√(σ²_c + ε)·γ_c + β_c over `[N, C, …]` with the batch statistics of each channel c
    /// (every axis but 1).
    public static func batchNormTraining(_ x: Tensor, gamma: [Float], beta: [Float],
                                         epsilon: Float) throws -> (output: Tensor, statistics: BatchNormStatistics) {
        let (outer, channels, inner) = try batchNormLayout(x, gamma: gamma, beta: beta)
        var mean = [Float](repeating: 0, count: channels), variance = mean, invStd = mean
        var y = [Float](repeating: 0, count: x.count)
        x.scalars.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                mean.withUnsafeMutableBufferPointer { mp in
                    variance.withUnsafeMutableBufferPointer { vp in
                        invStd.withUnsafeMutableBufferPointer { ip in
                            nonisolated(unsafe) let xb = xp.baseAddress, yb = yp.baseAddress
                            nonisolated(unsafe) let mb = mp.baseAddress, vb = vp.baseAddress, ib = ip.baseAddress
                            parallelFor(channels, work: 3 * outer * inner) { c in
                                prune_batchnorm_forward_f32(xb, Int64(outer), Int64(channels), Int64(inner), gamma,
                                                            beta, epsilon, Int64(c), Int64(c + 1), yb, mb, vb, ib)
                            }
                        }
                    }
                }
            }
        }
        return (Tensor(unchecked: x.shape, y), BatchNormStatistics(mean: mean, variance: variance, invStd: invStd))
    }

    /// Gradients of ``batchNormTraining(_:gamma:beta:epsilon:)``: input (when `needInput`), γ and β.
    public static func batchNormTrainingBackward(gradOutput dy: Tensor, input x: Tensor, gamma: [Float],
                                                 statistics s: BatchNormStatistics, needInput: Bool)
        -> (input: Tensor?, gamma: [Float], beta: [Float]) {
        let channels = gamma.count, inner = x.shape.dropFirst(2).reduce(1, *), outer = x.shape[0]
        var dx = [Float](repeating: 0, count: needInput ? x.count : 0)
        var dGamma = [Float](repeating: 0, count: channels), dBeta = dGamma
        dy.scalars.withUnsafeBufferPointer { gp in
            x.scalars.withUnsafeBufferPointer { xp in
                dx.withUnsafeMutableBufferPointer { dxp in
                    dGamma.withUnsafeMutableBufferPointer { dgp in
                        dBeta.withUnsafeMutableBufferPointer { dbp in
                            nonisolated(unsafe) let gb = gp.baseAddress, xb = xp.baseAddress
                            nonisolated(unsafe) let dxb = needInput ? dxp.baseAddress : nil
                            nonisolated(unsafe) let dgb = dgp.baseAddress, dbb = dbp.baseAddress
                            parallelFor(channels, work: 4 * outer * inner) { c in
                                prune_batchnorm_backward_f32(gb, xb, Int64(outer), Int64(channels), Int64(inner),
                                                             s.mean, s.invStd, gamma, Int64(c), Int64(c + 1), dxb,
                                                             dgb, dbb)
                            }
                        }
                    }
                }
            }
        }
        return (needInput ? Tensor(unchecked: x.shape, dx) : nil, dGamma, dBeta)
    }

    /// (N, C, positions per channel and sample) of a `[N, C, …]` input whose γ and β have C values.
    static func batchNormLayout(_ x: Tensor, gamma: [Float], beta: [Float]) throws -> (Int, Int, Int) {
        guard x.rank >= 2, gamma.count == x.shape[1], beta.count == x.shape[1], x.shape[0] > 0 else {
            throw TensorError.shapeMismatch(op: "batchNorm", shapes: [x.shape, [gamma.count], [beta.count]],
                                            reason: "input must be [N, C, …] with one weight and bias per channel")
        }
        return (x.shape[0], x.shape[1], x.shape.dropFirst(2).reduce(1, *))
    }
}
