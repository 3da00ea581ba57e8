import PruneTensor

extension Variable {
    /// A tensor of `shape` whose element `i` is this tensor's element `sources[i]` (row-major,
    /// flat), or `fill` where `sources[i]` is negative. Every layout operator that only moves,
    /// repeats or drops elements (Expand, Tile, Pad, Trilu, GatherElements, DepthToSpace) is one
    /// of these; the gradient adds each output's gradient back to its source.
    public func gathered(_ sources: [Int], shape: [Int], fill: Float = 0) throws -> Variable {
        let n = value.count
        guard sources.count == shape.reduce(1, *), sources.allSatisfy({ $0 < n }) else {
            throw TensorError.shapeMismatch(op: "gathered", shapes: [value.shape, shape],
                                            reason: "the index map must name one source element per output element")
        }
        let x = value.scalars
        let out = Tensor(unchecked: shape, sources.map { $0 >= 0 ? x[$0] : fill })
        let inShape = self.shape
        return Variable.record(out, [self]) { g in
            var grad = [Float](repeating: 0, count: n)
            let gs = g.scalars
            for (i, s) in sources.enumerated() where s >= 0 { grad[s] += gs[i] }
            return [Tensor(unchecked: inShape, grad)]
        }
    }

    /// Elementwise `out` computed from this tensor, with derivative `derivative(x, y)` at each element.
    public func elementwise(_ out: Tensor, derivative: @escaping (Float, Float) -> Float) -> Variable {
        unary(out, derivative)
    }

    /// A value computed from `parents` whose gradient Prune does not implement: the forward pass
    /// works; backpropagating through it is an error that names the operation.
    public static func withoutGradient(_ out: Tensor, _ parents: [Variable], operation: String) -> Variable {
        record(out, parents) { _ in
            throw TensorError.invalidArgument(op: operation, reason: "its gradient is not implemented (inference only)")
        }
    }
}
