import CDenseKernels

/// Reductions along axes: one axis at a time over an (outer, axis, inner) view, or the last axes at once.
extension Tensor {
    /// The (outer, length, inner) split of the shape around `axis`.
    @inlinable
    func split(at axis: Int) -> (outer: Int, length: Int, inner: Int) {
        (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
    }

    private func normalizedAxes(_ axes: [Int]?, op: String) throws -> [Int] {
        guard let axes else { return Array(0..<rank) }
        let n = try axes.map { try Tensor.normalize(axis: $0, rank: rank, op: op) }
        guard Set(n).count == n.count else {
            throw TensorError.invalidArgument(op: op, reason: "axis listed twice in \(axes)")
        }
        return n.sorted()
    }

    private func dropAxes(_ shape: [Int], _ axes: [Int]) -> [Int] {
        shape.enumerated().filter { !axes.contains($0.offset) }.map { $0.element }
    }

    /// Sums along `axis`, keeping it with extent 1.
    func sumAlong(_ axis: Int) -> Tensor {
        let (outer, len, inner) = split(at: axis)
        var newShape = shape; newShape[axis] = 1
        var out = [Float](repeating: 0, count: outer * inner)
        scalars.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                if inner == 1 {
                    for i in 0..<outer {
                        var acc: Float = 0
                        let base = i * len
                        for k in 0..<len { acc += p[base + k] }
                        o[i] = acc
                    }
                } else {
                    for i in 0..<outer {
                        let ob = i * inner
                        for k in 0..<len {
                            let pb = (i * len + k) * inner
                            for j in 0..<inner { o[ob + j] += p[pb + j] }
                        }
                    }
                }
            }
        }
        return Tensor(unchecked: newShape, out)
    }

    /// Sum over `axes` (all when nil).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        let ax = try normalizedAxes(axes, op: "sum")
        if ax.isEmpty { return self }
        if ax.count == rank && !keepDims {
            var acc: Double = 0
            for v in scalars { acc += Double(v) }
            return Tensor(Float(acc))
        }
        var t = self
        if ax.count > 1, ax == Array(rank - ax.count ..< rank) {
            t = sumOfTrailing(ax.count)
        } else {
            for a in ax { t = t.sumAlong(a) }
        }
        return keepDims ? t : Tensor(unchecked: dropAxes(shape, ax), t.scalars)
    }

    /// The sums over the last `k` axes (a global average pool's [2, 3]), kept with extent 1: each row of contiguous
    /// values summed in one vectorized pass (``rowSums(_:rows:length:stride:scale:into:)``) instead of one axis at a
    /// time, in one range of rows per core from 32k values. A pooling after a convolution cut by filters then reads on
    /// each core about the planes that core wrote, and the next run's convolution finds them there: a line the other
    /// core last held costs a transfer between the cores (about 200 ns one way on the 2-vCPU VM measured). SqueezeNet,
    /// batch 1, three alternations: its global pooling of 1,000 planes of 13×13 0.073–0.085 → 0.036–0.046 ms dense,
    /// 0.069–0.076 → 0.032–0.038 pruned; the convolution before it, pruned, 0.73–0.82 → 0.50–0.68 ms.
    func sumOfTrailing(_ k: Int) -> Tensor {
        let length = shape.suffix(k).reduce(1, *), rows = length == 0 ? 0 : count / length
        let out = [Float](unsafeUninitializedCapacity: shape.dropLast(k).reduce(1, *)) { o, filled in
            if rows < o.count { o.initialize(repeating: 0) }  // empty rows: their sums are 0
            scalars.withUnsafeBufferPointer { p in
                if rows > 0 { Tensor.rowSums(p.baseAddress!, rows: rows, length: length, stride: length,
                                             into: o.baseAddress!) }
            }
            filled = o.count
        }
        return Tensor(unchecked: Array(shape.dropLast(k)) + [Int](repeating: 1, count: k), out)
    }

    /// Mean over `axes` (all when nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        let ax = try normalizedAxes(axes, op: "mean")
        let n = ax.reduce(1) { $0 * shape[$1] }
        return try sum(axes: ax, keepDims: keepDims) / Float(Swift.max(n, 1))
    }

    /// Variance over `axes`; `unbiased` divides by n − 1 (Bessel's correction).
    public func variance(axes: [Int]? = nil, keepDims: Bool = false, unbiased: Bool = false) throws -> Tensor {
        let ax = try normalizedAxes(axes, op: "variance")
        let n = ax.reduce(1) { $0 * shape[$1] }
        let centered = try self - mean(axes: ax, keepDims: true)
        let ss = try centered.square().sum(axes: ax, keepDims: keepDims)
        return ss / Float(Swift.max(unbiased ? n - 1 : n, 1))
    }

    /// Maximum and its index along one axis.
    public func maxWithIndex(axis: Int, keepDims: Bool = false) throws -> (values: Tensor, indices: [Int]) {
        try extreme(axis: axis, keepDims: keepDims, op: "max") { $0 > $1 }
    }
    /// Minimum and its index along one axis.
    public func minWithIndex(axis: Int, keepDims: Bool = false) throws -> (values: Tensor, indices: [Int]) {
        try extreme(axis: axis, keepDims: keepDims, op: "min") { $0 < $1 }
    }
    /// Maximum along one axis.
    public func max(axis: Int, keepDims: Bool = false) throws -> Tensor { try maxWithIndex(axis: axis,
            keepDims: keepDims).values }
    /// Minimum along one axis.
    public func min(axis: Int, keepDims: Bool = false) throws -> Tensor { try minWithIndex(axis: axis,
            keepDims: keepDims).values }
    /// Index of the maximum along one axis (the first on ties).
    public func argmax(axis: Int) throws -> [Int] { try maxWithIndex(axis: axis).indices }
    /// The largest scalar.
    public func max() -> Float { scalars.contains(where: \.isNaN) ? .nan : scalars.max() ?? -.infinity }
    /// The smallest scalar.
    public func min() -> Float { scalars.contains(where: \.isNaN) ? .nan : scalars.min() ?? .infinity }

    private func extreme(axis: Int, keepDims: Bool, op: String, _ better: (Float, Float) -> Bool) throws
        -> (values: Tensor, indices: [Int]) {
        let a = try Tensor.normalize(axis: axis, rank: rank, op: op)
        let (outer, len, inner) = split(at: a)
        guard len > 0 else { throw TensorError.invalidArgument(op: op, reason: "axis \(axis) is empty") }
        var vals = [Float](repeating: 0, count: outer * inner)
        var idx = [Int](repeating: 0, count: outer * inner)
        scalars.withUnsafeBufferPointer { p in
            for i in 0..<outer {
                for j in 0..<inner {
                    var best = p[i * len * inner + j], bi = 0
                    for k in 1..<Swift.max(len, 1) {
                        let v = p[(i * len + k) * inner + j]
                        // NaN propagates: the first NaN is the result, as in PyTorch's max and argmax.
                        if !best.isNaN && (v.isNaN || better(v, best)) { best = v; bi = k }
                    }
                    vals[i * inner + j] = best
                    idx[i * inner + j] = bi
                }
            }
        }
        var newShape = shape
        if keepDims { newShape[a] = 1 } else { newShape.remove(at: a) }
        return (Tensor(unchecked: newShape, vals), idx)
    }

    /// L1 norm over `axes` (all when nil).
    public func l1Norm(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        try abs().sum(axes: axes, keepDims: keepDims)
    }
    /// L2 norm over `axes` (all when nil).
    public func l2Norm(axes: [Int]? = nil, keepDims: Bool = false) throws -> Tensor {
        try square().sum(axes: axes, keepDims: keepDims).sqrt()
    }
}
