import PruneTensor

/// Shape operations; their gradients undo the rearrangement.
extension Variable {
    public func reshaped(_ newShape: [Int]) throws -> Variable {
        let inShape = shape
        return Variable.record(try value.reshaped(newShape), [self]) { g in [try g.reshaped(inShape)] }
    }

    public func flattened(from start: Int = 1) throws -> Variable {
        guard value.rank > start else { return self }
        return try reshaped(Array(shape[..<start]) + [shape[start...].reduce(1, *)])
    }

    public func permuted(_ order: [Int]) throws -> Variable {
        let inv = Tensor.inversePermutation(order)
        return Variable.record(try value.permuted(order), [self]) { g in [try g.permuted(inv)] }
    }

    public func transposed(_ a: Int = -2, _ b: Int = -1) throws -> Variable {
        guard value.rank >= 2 else { return self }
        let x = try Tensor.normalize(axis: a, rank: value.rank, op: "transpose")
        let y = try Tensor.normalize(axis: b, rank: value.rank, op: "transpose")
        var order = Array(0..<value.rank)
        order.swapAt(x, y)
        return try permuted(order)
    }

    public func unsqueezed(_ axis: Int) throws -> Variable {
        let inShape = shape
        return Variable.record(try value.unsqueezed(axis), [self]) { g in [try g.reshaped(inShape)] }
    }

    public func squeezed(_ axes: [Int]? = nil) throws -> Variable {
        let inShape = shape
        return Variable.record(try value.squeezed(axes), [self]) { g in [try g.reshaped(inShape)] }
    }

    public func slice(axis: Int, start: Int, end: Int) throws -> Variable {
        let out = try value.slice(axis: axis, start: start, end: end)
        let a = try Tensor.normalize(axis: axis, rank: value.rank, op: "slice")
        let inShape = shape
        return Variable.record(out, [self]) { g in
            var parts: [Tensor] = []
            var before = inShape; before[a] = start
            var after = inShape; after[a] = inShape[a] - end
            if start > 0 { parts.append(.zeros(before)) }
            parts.append(g)
            if end < inShape[a] { parts.append(.zeros(after)) }
            return [try Tensor.concat(parts, axis: a)]
        }
    }

    public static func concat(_ parts: [Variable], axis: Int) throws -> Variable {
        let out = try Tensor.concat(parts.map(\.value), axis: axis)
        let a = try Tensor.normalize(axis: axis, rank: out.rank, op: "concat")
        let sizes = parts.map { $0.shape[a] }
        return record(out, parts) { g in
            var start = 0
            return try sizes.map { n in
                defer { start += n }
                return try g.slice(axis: a, start: start, end: start + n)
            }
        }
    }

    /// Splits into consecutive parts of the given sizes along `axis`.
    public func split(axis: Int, sizes: [Int]) throws -> [Variable] {
        var start = 0
        return try sizes.map { n in
            defer { start += n }
            return try slice(axis: axis, start: start, end: start + n)
        }
    }

    /// Selects slices along `axis` (index_select); repeated indices accumulate their gradients.
    public func gather(axis: Int, indices: [Int]) throws -> Variable {
        let out = try value.gather(axis: axis, indices: indices)
        let inShape = shape
        return Variable.record(out, [self]) { g in
            [try Tensor.scatterAdd(shape: inShape, axis: axis, indices: indices, source: g)]
        }
    }

    /// Elementwise select by a constant condition (non-zero picks `a`).
    public static func select(_ condition: Tensor, _ a: Variable, _ b: Variable) throws -> Variable {
        let out = try Tensor.select(condition, a.value, b.value)
        let sa = a.shape, sb = b.shape
        return record(out, [a, b]) { g in
            let zero = Tensor.zeros(g.shape)
            return [try Tensor.select(condition, g, zero).sum(toShape: sa), try Tensor.select(condition, zero,
                    g).sum(toShape: sb)]
        }
    }

    /// Rows of an embedding table: `weight[indices]`, shaped `indexShape + [dim]`.
    public static func embedding(_ weight: Variable, indices: [Int], indexShape: [Int]) throws -> Variable {
        guard weight.value.rank == 2 else {
            throw TensorError.shapeMismatch(op: "embedding", shapes: [weight.shape],
                                            reason: "weight must be [vocabulary, dim]")
        }
        let rows = try weight.gather(axis: 0, indices: indices)
        return try rows.reshaped(indexShape + [weight.shape[1]])
    }
}
