import PruneTensor

/// Reductions. Their gradients broadcast the output gradient back over the reduced axes.
extension Variable {
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) throws -> Variable {
        let out = try value.sum(axes: axes, keepDims: keepDims)
        let inShape = shape
        let kept = try value.sum(axes: axes, keepDims: true).shape
        return Variable.record(out, [self]) { g in [try g.reshaped(kept).broadcast(to: inShape)] }
    }

    public func mean(axes: [Int]? = nil, keepDims: Bool = false) throws -> Variable {
        let s = try sum(axes: axes, keepDims: keepDims)
        let n = Swift.max(1, value.count / Swift.max(1, s.value.count))
        return s / Float(n)
    }

    /// Population variance (or unbiased with Bessel's correction), composed from mean and square.
    public func variance(axes: [Int]? = nil, keepDims: Bool = false, unbiased: Bool = false) throws -> Variable {
        let m = try mean(axes: axes, keepDims: true)
        let sq = try (self - m).square()
        let s = try sq.sum(axes: axes, keepDims: keepDims)
        let n = Swift.max(1, value.count / Swift.max(1, s.value.count))
        return s / Float(Swift.max(1, unbiased ? n - 1 : n))
    }

    /// Maximum along one axis; the gradient goes to the (first) maximal element.
    public func max(axis: Int, keepDims: Bool = false) throws -> Variable {
        try extreme(axis: axis, keepDims: keepDims, max: true)
    }

    /// Minimum along one axis; the gradient goes to the (first) minimal element.
    public func min(axis: Int, keepDims: Bool = false) throws -> Variable {
        try extreme(axis: axis, keepDims: keepDims, max: false)
    }

    private func extreme(axis: Int, keepDims: Bool, max: Bool) throws -> Variable {
        let (vals, idx) = max ? try value.maxWithIndex(axis: axis, keepDims: keepDims)
                              : try value.minWithIndex(axis: axis, keepDims: keepDims)
        let a = try Tensor.normalize(axis: axis, rank: value.rank, op: "max")
        let inShape = shape
        let outer = inShape[..<a].reduce(1, *), len = inShape[a], inner = inShape[(a + 1)...].reduce(1, *)
        return Variable.record(vals, [self]) { g in
            var d = [Float](repeating: 0, count: outer * len * inner)
            for i in 0..<outer {
                for j in 0..<inner {
                    d[(i * len + idx[i * inner + j]) * inner + j] = g.scalars[i * inner + j]
                }
            }
            return [Tensor(unchecked: inShape, d)]
        }
    }

    /// L1 norm, Σ|x|.
    public func l1Norm(axes: [Int]? = nil, keepDims: Bool = false) throws -> Variable {
        try abs().sum(axes: axes, keepDims: keepDims)
    }
    /// L2 norm, √Σx².
    public func l2Norm(axes: [Int]? = nil, keepDims: Bool = false) throws -> Variable {
        try square().sum(axes: axes, keepDims: keepDims).sqrt()
    }
}
