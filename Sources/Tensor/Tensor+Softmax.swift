import CDenseKernels

/// Numerically stable softmax and log-softmax along one axis.
extension Tensor {
    /// softmax(x)_i = exp(x_i − max) / Σ_j exp(x_j − max) along `axis`.
    public func softmax(axis: Int = -1) throws -> Tensor {
        try softmaxImpl(axis: axis, log: false)
    }

    /// log-softmax(x)_i = x_i − max − log Σ_j exp(x_j − max) along `axis`.
    public func logSoftmax(axis: Int = -1) throws -> Tensor {
        try softmaxImpl(axis: axis, log: true)
    }

    private func softmaxImpl(axis: Int, log takeLog: Bool) throws -> Tensor {
        let a = try Tensor.normalize(axis: axis, rank: rank, op: takeLog ? "logSoftmax" : "softmax")
        let (outer, len, inner) = split(at: a)
        if inner == 1 { return lastAxisSoftmax(rows: outer, length: len, log: takeLog) }
        var out = [Float](repeating: 0, count: count)
        scalars.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                for i in 0..<outer {
                    for j in 0..<inner {
                        let base = i * len * inner + j
                        var m = -Float.infinity
                        for k in 0..<len { m = Swift.max(m, p[base + k * inner]) }
                        var s: Float = 0
                        for k in 0..<len { let e = Foundation_exp(p[base + k * inner] - m); o[base + k * inner] = e; s += e }
                        if takeLog {
                            let ls = Foundation_log(s) + m
                            for k in 0..<len { o[base + k * inner] = p[base + k * inner] - ls }
                        } else {
                            let inv = 1 / s
                            for k in 0..<len { o[base + k * inner] *= inv }
                        }
                    }
                }
            }
        }
        return Tensor(unchecked: shape, out)
    }

    /// Rows of the last axis through the C kernel ``prune_softmax_rows_f32``, rows split over the cores.
    private func lastAxisSoftmax(rows: Int, length: Int, log takeLog: Bool) -> Tensor {
        let out = [Float](unsafeUninitializedCapacity: count) { buf, filled in
            scalars.withUnsafeBufferPointer { p in
                nonisolated(unsafe) let src = p.baseAddress, dst = buf.baseAddress
                parallelChunks(rows, grain: Swift.max(1, 8_192 / Swift.max(length, 1))) { range in
                    let offset = range.lowerBound * length
                    prune_softmax_rows_f32(src.map { $0 + offset }, dst.map { $0 + offset }, Int64(range.count),
                                           Int64(length), takeLog ? 1 : 0)
                }
            }
            filled = count
        }
        return Tensor(unchecked: shape, out)
    }
}
