import CDenseKernels
/// Reshape, permute, slice, concatenate, gather, scatter and select.
extension Tensor {
    /// The same scalars under a new shape; one extent may be −1 and is inferred.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        var s = newShape
        let unknown = s.indices.filter { s[$0] == -1 }
        guard unknown.count <= 1, s.allSatisfy({ $0 >= -1 }) else {
            throw TensorError.shapeMismatch(op: "reshape", shapes: [shape, newShape],
                                            reason: "at most one extent may be -1, none below")
        }
        if let u = unknown.first {
            let known = s.enumerated().filter { $0.offset != u }.reduce(1) { $0 * $1.element }
            guard known > 0, count % known == 0 else {
                throw TensorError.shapeMismatch(op: "reshape", shapes: [shape, newShape],
                                                reason: "\(count) scalars cannot be split this way")
            }
            s[u] = count / known
        }
        guard Tensor.count(of: s) == count else {
            throw TensorError.shapeMismatch(op: "reshape", shapes: [shape, newShape],
                                            reason: "\(count) scalars cannot take a shape of \(Tensor.count(of: s))")
        }
        return Tensor(unchecked: s, scalars)
    }

    /// The inverse of a permutation.
    public static func inversePermutation(_ order: [Int]) -> [Int] {
        var inv = [Int](repeating: 0, count: order.count)
        for (i, o) in order.enumerated() { inv[o] = i }
        return inv
    }

    /// Swaps two axes (the last two by default).
    public func transposed(_ a: Int = -2, _ b: Int = -1) throws -> Tensor {
        guard rank >= 2 else { return self }
        let x = try Tensor.normalize(axis: a, rank: rank, op: "transpose")
        let y = try Tensor.normalize(axis: b, rank: rank, op: "transpose")
        var order = Array(0..<rank)
        order.swapAt(x, y)
        return try permuted(order)
    }

    /// The transpose of a matrix (`prune_transpose_f32`: 16×16 blocks in AVX-512 registers, 8×8 in AVX2
    /// ones, a cache-blocked loop elsewhere).
    func transposed2D() -> Tensor {
        let m = shape[0], n = shape[1]
        guard m > 0, n > 0 else { return Tensor(unchecked: [n, m], []) }
        let out = [Float](unsafeUninitializedCapacity: m * n) { o, count in
            scalars.withUnsafeBufferPointer { p in
                prune_transpose_f32(p.baseAddress!, Int64(m), Int64(n), Int64(n), o.baseAddress!, Int64(m))
            }
            count = m * n
        }
        return Tensor(unchecked: [n, m], out)
    }

    /// Inserts an axis of extent 1.
    public func unsqueezed(_ axis: Int) throws -> Tensor {
        let a = try Tensor.normalize(axis: axis, rank: rank + 1, op: "unsqueeze")
        var s = shape; s.insert(1, at: a)
        return Tensor(unchecked: s, scalars)
    }

    /// Removes axes of extent 1 (the given ones, or all).
    public func squeezed(_ axes: [Int]? = nil) throws -> Tensor {
        if let axes {
            let n = try axes.map { try Tensor.normalize(axis: $0, rank: rank, op: "squeeze") }
            for a in n where shape[a] != 1 {
                throw TensorError.invalidArgument(op: "squeeze",
                                                  reason: "axis \(a) of \(shape) has extent \(shape[a]), not 1")
            }
            return Tensor(unchecked: shape.enumerated().filter { !n.contains($0.offset) }.map { $0.element }, scalars)
        }
        return Tensor(unchecked: shape.filter { $0 != 1 }, scalars)
    }

    /// Flattens axes `from...` into one.
    public func flattened(from start: Int = 1) throws -> Tensor {
        guard rank > start else { return self }
        return try reshaped(Array(shape[..<start]) + [shape[start...].reduce(1, *)])
    }

    /// The sub-tensor `start..<end` along `axis`.
    public func slice(axis: Int, start: Int, end: Int) throws -> Tensor {
        let a = try Tensor.normalize(axis: axis, rank: rank, op: "slice")
        guard 0 <= start, start <= end, end <= shape[a] else {
            throw TensorError.invalidArgument(op: "slice",
                                              reason: "range \(start)..<\(end) outside axis \(a) of \(shape)")
        }
        let (outer, len, inner) = split(at: a)
        let w = (end - start) * inner
        var out = [Float](repeating: 0, count: outer * w)
        scalars.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                for i in 0..<outer {
                    let src = (i * len + start) * inner
                    for j in 0..<w { o[i * w + j] = p[src + j] }
                }
            }
        }
        var s = shape; s[a] = end - start
        return Tensor(unchecked: s, out)
    }

    /// Concatenates tensors along `axis`; all other extents must agree.
    public static func concat(_ parts: [Tensor], axis: Int) throws -> Tensor {
        guard let first = parts.first else { throw TensorError.invalidArgument(op: "concat",
                                                                               reason: "no tensors given") }
        let a = try normalize(axis: axis, rank: first.rank, op: "concat")
        for p in parts {
            var x = p.shape, y = first.shape
            guard x.count == y.count else {
                throw TensorError.shapeMismatch(op: "concat", shapes: parts.map(\.shape), reason: "ranks differ")
            }
            x[a] = 0; y[a] = 0
            guard x == y else {
                throw TensorError.shapeMismatch(op: "concat", shapes: parts.map(\.shape),
                                                reason: "extents off axis \(a) differ")
            }
        }
        let outer = first.shape[..<a].reduce(1, *)
        let inner = first.shape[(a + 1)...].reduce(1, *)
        let total = parts.reduce(0) { $0 + $1.shape[a] }
        var s = first.shape; s[a] = total
        return Tensor(unchecked: s, concatenated(parts, axis: a, outer: outer, row: total * inner, inner: inner))
    }

    /// The values of `parts` side by side along axis `a`: for each of the `outer` blocks, each part's block of
    /// `shape[a]·inner` values in turn (`row` values per block in all), copied into an uninitialized array, each
    /// part's blocks spread over the cores when large (an image CNN's channel concatenation: SqueezeNet's first
    /// one 1.5 MB).
    static func concatenated(_ parts: [Tensor], axis a: Int, outer: Int, row: Int, inner: Int) -> [Float] {
        if outer * row == 0 { return [] }
        return [Float](unsafeUninitializedCapacity: outer * row) { buf, filled in
            nonisolated(unsafe) let out = buf.baseAddress!
            var offset = 0
            for p in parts {
                let w = p.shape[a] * inner, at = offset
                if w == 0 { continue }   // an empty part: nothing to copy (and no buffer to copy from)
                p.scalars.withUnsafeBufferPointer { src in
                    nonisolated(unsafe) let from = src.baseAddress!
                    parallelChunks(outer * w, grain: 65_536) { r in
                        var q = r.lowerBound
                        while q < r.upperBound {   // the piece of block q / w inside r
                            let i = q / w, end = Swift.min(r.upperBound, (i + 1) * w)
                            (out + i * row + at + q - i * w).update(from: from + q, count: end - q)
                            q = end
                        }
                    }
                }
                offset += w
            }
            filled = outer * row
        }
    }

    /// Picks the slices `indices` along `axis` (index_select / gather of whole slices).
    public func gather(axis: Int, indices: [Int]) throws -> Tensor {
        let a = try Tensor.normalize(axis: axis, rank: rank, op: "gather")
        let (outer, len, inner) = split(at: a)
        for i in indices where i < 0 || i >= len {
            throw TensorError.invalidArgument(op: "gather",
                                              reason: "index \(i) out of range 0..<\(len) on axis \(a) of \(shape)")
        }
        let k = indices.count
        var out = [Float](repeating: 0, count: outer * k * inner)
        scalars.withUnsafeBufferPointer { p in
            out.withUnsafeMutableBufferPointer { o in
                for i in 0..<outer {
                    for (t, idx) in indices.enumerated() {
                        let src = (i * len + idx) * inner, dst = (i * k + t) * inner
                        for j in 0..<inner { o[dst + j] = p[src + j] }
                    }
                }
            }
        }
        var s = shape; s[a] = k
        return Tensor(unchecked: s, out)
    }

    /// Adds `source`'s slices into the slices `indices` along `axis` of a zero tensor of `shape`
    /// (the adjoint of ``gather(axis:indices:)``; repeated indices accumulate).
    public static func scatterAdd(shape: [Int], axis: Int, indices: [Int], source: Tensor) throws -> Tensor {
        var result = Tensor.zeros(shape)
        let a = try normalize(axis: axis, rank: shape.count, op: "scatterAdd")
        let (outer, len, inner) = result.split(at: a)
        var expected = shape; expected[a] = indices.count
        guard source.shape == expected else {
            throw TensorError.shapeMismatch(op: "scatterAdd", shapes: [source.shape, expected],
                                            reason: "source must have one slice per index")
        }
        for i in indices where i < 0 || i >= len {
            throw TensorError.invalidArgument(op: "scatterAdd", reason: "index \(i) out of range 0..<\(len)")
        }
        let k = indices.count
        result.scalars.withUnsafeMutableBufferPointer { o in
            source.scalars.withUnsafeBufferPointer { p in
                for i in 0..<outer {
                    for (t, idx) in indices.enumerated() {
                        let dst = (i * len + idx) * inner, src = (i * k + t) * inner
                        for j in 0..<inner { o[dst + j] += p[src + j] }
                    }
                }
            }
        }
        return result
    }

    /// Elementwise select: `a` where `condition` is non-zero, else `b` (all three broadcast).
    public static func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let s = try broadcastShape(broadcastShape(condition.shape, a.shape, op: "where"), b.shape, op: "where")
        let c = try condition.broadcast(to: s), x = try a.broadcast(to: s), y = try b.broadcast(to: s)
        var out = [Float](repeating: 0, count: count(of: s))
        for i in 0..<out.count { out[i] = c.scalars[i] != 0 ? x.scalars[i] : y.scalars[i] }
        return Tensor(unchecked: s, out)
    }
}
