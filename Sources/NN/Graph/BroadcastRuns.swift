/// A NumPy broadcast walked one run of the last axis at a time: for each run, the output's flat offset, each
/// operand's flat offset and step along the last axis (0 where it is broadcast), and the run's length — the
/// elementwise operators' inner loops without an index map of the whole output per operand. Axes that every
/// operand steps through as one (contiguous in each, or broadcast across both) are merged first, so operands
/// of the output's shape or scalars make a single run rather than one per row of the last axis.
struct BroadcastRuns {
    /// The output's extents after merging.
    let shape: [Int]
    /// Per operand, per merged axis: its stride, or 0 where it is broadcast.
    let strides: [[Int]]

    init(shape: [Int], operands: [[Int]]) throws {
        let strides = try operands.map { s in
            guard s.count <= shape.count else {
                throw GraphError.invalidValue("shape \(s) does not broadcast to \(shape)")
            }
            let padded = [Int](repeating: 1, count: shape.count - s.count) + s
            for (d, t) in zip(padded, shape) where d != t && d != 1 {
                throw GraphError.invalidValue("shape \(s) does not broadcast to \(shape)")
            }
            return zip(padded, NumericTensor.strides(padded)).map { $0.0 == 1 ? 0 : $0.1 }
        }
        try NumericTensor.checkBudget(shape)
        (self.shape, self.strides) = Self.merged(shape, strides)
    }

    /// Adjacent axes joined where each operand's stride on the outer one is its stride on the inner one times
    /// the inner extent (0 on both when it is broadcast across them); axes of extent 1 dropped.
    static func merged(_ shape: [Int], _ strides: [[Int]]) -> (shape: [Int], strides: [[Int]]) {
        var outShape: [Int] = [], outStrides = strides.map { _ in [Int]() }
        for (axis, extent) in shape.enumerated() where extent != 1 {
            let joins = !outShape.isEmpty && strides.indices.allSatisfy { o in
                outStrides[o][outStrides[o].count - 1] == strides[o][axis] * extent
            }
            if joins {
                outShape[outShape.count - 1] *= extent
                for o in strides.indices { outStrides[o][outStrides[o].count - 1] = strides[o][axis] }
            } else {
                outShape.append(extent)
                for o in strides.indices { outStrides[o].append(strides[o][axis]) }
            }
        }
        return (outShape, outStrides)
    }

    /// Calls `body(output offset, operand offsets, operand steps along the last axis, run length)` for every
    /// run of the last axis, in row-major order.
    func forEach(_ body: (Int, [Int], [Int], Int) throws -> Void) rethrows {
        let n = shape.reduce(1, *)
        guard n > 0 else { return }
        let last = shape.count - 1, length = last >= 0 ? shape[last] : 1
        let steps = strides.map { last >= 0 ? $0[last] : 0 }
        var index = [Int](repeating: 0, count: Swift.max(0, last)), offsets = strides.map { _ in 0 }
        for run in 0..<(n / length) {
            try body(run * length, offsets, steps, length)
            var k = last - 1
            while k >= 0 {
                index[k] += 1
                for o in offsets.indices { offsets[o] += strides[o][k] }
                if index[k] < shape[k] { break }
                for o in offsets.indices { offsets[o] -= strides[o][k] * shape[k] }
                index[k] = 0
                k -= 1
            }
        }
    }
}
