import CDenseKernels

/// Local response normalization across channels (Krizhevsky et al., "ImageNet Classification with Deep
/// Convolutional Neural Networks", NIPS 2012; ONNX LRN), values only: one C pass per output plane
/// (``prune_lrn_plane_f32``).
extension Tensor {
    /// y = x / (bias + α/size · Σ x²)^β, the sum over the `size` channels around each channel
    /// (⌊(size−1)/2⌋ below, the rest above, clipped at the first and last channel), for `[N, C, …]`.
    public static func localResponseNormalization(_ x: Tensor, size: Int, alpha: Float, beta: Float,
                                                  bias: Float) throws -> Tensor {
        guard x.rank >= 3, x.shape[1] >= 1, size >= 1 else {
            throw TensorError.shapeMismatch(op: "localResponseNormalization", shapes: [x.shape],
                                            reason: "needs [N, C, …] with C ≥ 1 and a window of at least 1")
        }
        let n = x.shape[0], c = x.shape[1], inner = x.count / Swift.max(1, n * c)
        var out = [Float](repeating: 0, count: x.count)
        if x.count == 0 { return Tensor(unchecked: x.shape, out) }
        x.scalars.withUnsafeBufferPointer { xp in
            out.withUnsafeMutableBufferPointer { op in
                nonisolated(unsafe) let xb = xp.baseAddress!, ob = op.baseAddress!
                parallelFor(n * c, work: inner * Swift.min(size, c)) { p in
                    let image = p / c, channel = p % c
                    prune_lrn_plane_f32(xb + image * c * inner, Int64(c), Int64(inner), Int64(channel),
                                        Int64(size), alpha, beta, bias, ob + p * inner)
                }
            }
        }
        return Tensor(unchecked: x.shape, out)
    }
}
