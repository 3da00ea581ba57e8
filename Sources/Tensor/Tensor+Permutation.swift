/// Axes reordered (transpose, permute), copied in the longest contiguous runs the permutation allows.
extension Tensor {
    /// Axes reordered: output axis i is input axis `order[i]`.
    public func permuted(_ order: [Int]) throws -> Tensor {
        guard order.sorted() == Array(0..<rank) else {
            throw TensorError.invalidArgument(op: "permute",
                                              reason: "\(order) is not a permutation of the \(rank) axes of \(shape)")
        }
        let newShape = order.map { shape[$0] }
        let (merged, mergedOrder) = Tensor.coalesced(shape: shape, order: order)
        if mergedOrder.count <= 1 { return Tensor(unchecked: newShape, scalars) }
        if mergedOrder.count == 2 {
            return Tensor(unchecked: newShape, Tensor(unchecked: merged, scalars).transposed2D().scalars)
        }
        return Tensor(unchecked: newShape, Tensor.copyPermuted(scalars, shape: merged, order: mergedOrder))
    }

    /// The same permutation on fewer axes: extent-1 axes dropped, and input axes that stay next to each
    /// other and in order in the output merged into one (ShuffleNet's channel shuffle `[N, g, C/g, H, W]` →
    /// `[N, C/g, g, H, W]` becomes `[N, g, C/g, H·W]` → `[N, C/g, g, H·W]`, runs of H·W values).
    static func coalesced(shape: [Int], order: [Int]) -> (shape: [Int], order: [Int]) {
        // The axes of extent ≠ 1, renumbered in input order (so that axes an extent-1 axis separated merge).
        let keptAxes = shape.indices.filter { shape[$0] != 1 }
        var renumbered = [Int](repeating: -1, count: shape.count)
        for (i, axis) in keptAxes.enumerated() { renumbered[axis] = i }
        let kept = order.map { renumbered[$0] }.filter { $0 >= 0 }
        let shape = keptAxes.map { shape[$0] }
        // Runs of output axes that read consecutive input axes.
        var runs: [[Int]] = []
        for axis in kept {
            if let last = runs.last?.last, axis == last + 1 {
                runs[runs.count - 1].append(axis)
            } else {
                runs.append([axis])
            }
        }
        // The merged input axes are the runs in input order.
        let byInput = runs.indices.sorted { runs[$0][0] < runs[$1][0] }
        let mergedShape = byInput.map { runs[$0].reduce(1) { $0 * shape[$1] } }
        var position = [Int](repeating: 0, count: runs.count)
        for (i, run) in byInput.enumerated() { position[run] = i }
        return (mergedShape, runs.indices.map { position[$0] })
    }

    /// The scalars of `shape` permuted by `order`, an odometer over the output's outer axes copying one
    /// run of the innermost output axis at a time (a contiguous copy when it is contiguous in the input).
    static func copyPermuted(_ scalars: [Float], shape: [Int], order: [Int]) -> [Float] {
        let newShape = order.map { shape[$0] }, inStrides = strides(of: shape)
        let st = order.map { inStrides[$0] }
        let n = scalars.count, r = order.count
        let innerLen = newShape[r - 1], innerStride = st[r - 1]
        var idx = [Int](repeating: 0, count: r)
        return [Float](unsafeUninitializedCapacity: n) { o, filled in
            scalars.withUnsafeBufferPointer { p in
                let src = p.baseAddress!, dst = o.baseAddress!
                var pos = 0, off = 0
                while pos < n {
                    if innerStride == 1 {
                        (dst + pos).initialize(from: src + off, count: innerLen)
                    } else {
                        for j in 0..<innerLen { (dst + pos + j).initialize(to: src[off + j * innerStride]) }
                    }
                    pos += innerLen
                    var ax = r - 2
                    while ax >= 0 {
                        idx[ax] += 1; off += st[ax]
                        if idx[ax] < newShape[ax] { break }
                        off -= st[ax] * newShape[ax]; idx[ax] = 0; ax -= 1
                    }
                }
            }
            filled = n
        }
    }
}
