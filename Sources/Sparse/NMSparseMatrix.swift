import CSparseKernels
import PruneTensor

/// Packed N:M sparsity (NVIDIA's 2:4; Mishra et al. 2021): in every row, each run of M consecutive
/// columns holds at most N non-zeros, stored as exactly N values and N compact indices within the
/// run (2 bits for M ≤ 4, 4 bits for M ≤ 16). A row length that is not a multiple of M is padded with
/// zeros in its last run. Groups with fewer than N non-zeros store explicit zeros.
public struct NMSparseMatrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public let n: Int
    public let m: Int
    /// `rows × groups × n` values.
    public private(set) var values: [Float]
    /// Packed indices, same order as `values`, `indexBits` each, little-endian within a byte.
    public private(set) var indices: [UInt8]

    public var indexBits: Int { m <= 4 ? 2 : 4 }
    public var groups: Int { (columns + m - 1) / m }

    /// Packs a dense matrix that is N:M sparse; throws (naming the row and group) when a run has more than N non-zeros.
    public init(dense: Tensor, n: Int, m: Int) throws {
        guard dense.rank == 2 else { throw TensorError.shapeMismatch(op: "NMSparseMatrix", shapes: [dense.shape],
                                                                     reason: "needs a 2-D matrix") }
        guard n >= 1, m > n, m <= 16 else { throw TensorError.invalidArgument(op: "NMSparseMatrix",
                                                                              reason: "needs 1 ≤ N < M ≤ 16, got \(n):\(m)") }
        rows = dense.shape[0]; columns = dense.shape[1]; self.n = n; self.m = m
        let groups = (columns + m - 1) / m, bits = m <= 4 ? 2 : 4, perByte = 8 / bits
        var vals = [Float](repeating: 0, count: rows * groups * n)
        var idx = [UInt8](repeating: 0, count: (rows * groups * n + perByte - 1) / perByte)
        let s = dense.scalars
        for r in 0..<rows {
            for g in 0..<groups {
                var t = 0
                for j in 0..<m where g * m + j < columns && s[r * columns + g * m + j] != 0 {
                    guard t < n else {
                        throw TensorError.invalidArgument(op: "NMSparseMatrix",
                                                          reason: "row \(r), columns \(g * m)..<\(min(columns, g * m + m)) hold more than \(n) non-zeros: not \(n):\(m) sparse")
                    }
                    let p = (r * groups + g) * n + t
                    vals[p] = s[r * columns + g * m + j]
                    idx[p / perByte] |= UInt8(j) << UInt8((p % perByte) * bits)
                    t += 1
                }
                // Unused slots keep value 0 at index 0 (harmless).
            }
        }
        values = vals; indices = idx
    }
}

extension NMSparseMatrix: SparseWeight {
    public var bytes: Int { 4 * values.count + indices.count }
    public var formatName: String { "\(n):\(m)" }

    public func dense() -> Tensor {
        var out = [Float](repeating: 0, count: rows * columns)
        let bits = indexBits, perByte = 8 / bits, mask = (1 << bits) - 1
        for r in 0..<rows {
            for g in 0..<groups {
                for t in 0..<n {
                    let p = (r * groups + g) * n + t
                    let j = Int(indices[p / perByte] >> UInt8((p % perByte) * bits)) & mask
                    if values[p] != 0 { out[r * columns + g * m + j] = values[p] }
                }
            }
        }
        return Tensor(unchecked: [rows, columns], out)
    }

    public func multiply(batch x: Tensor) throws -> Tensor {
        try BatchLayout.check(x, columns: columns, op: "NMSparseMatrix.multiply")
        let b = x.shape[0]
        var y = BatchLayout.output(b * rows)
        if y.isEmpty { return Tensor(unchecked: [b, rows], y) }
        let work = values.count * b
        let (nn, mm, gg, bits) = (Int64(n), Int64(m), Int64(groups), Int32(indexBits))
        values.withUnsafeBufferPointer { va in indices.withUnsafeBufferPointer { ix in y.withUnsafeMutableBufferPointer { yp in
            nonisolated(unsafe) let out = yp.baseAddress!
            if b == 1 {
                var xp = x.scalars
                xp.append(contentsOf: [Float](repeating: 0, count: groups * m - columns))
                xp.withUnsafeBufferPointer { xs in
                    let body = { (range: Range<Int>) in
                        prune_nm_spmv_rows(nn, mm, gg, bits, va.baseAddress, ix.baseAddress, xs.baseAddress!,
                                           Int64(range.lowerBound), Int64(range.upperBound), out)
                    }
                    BatchLayout.forRowRanges(rows, work: work, body)
                }
                return
            }
            let (xt, bp) = BatchLayout.transposed(x, paddedColumns: groups * m)
            xt.withUnsafeBufferPointer { xtp in
                let body = { (range: Range<Int>) in
                    prune_nm_spmm_rows(nn, mm, gg, bits, va.baseAddress, ix.baseAddress, xtp.baseAddress!, Int64(bp),
                                       Int64(b),
                                       Int64(range.lowerBound), Int64(range.upperBound), out, Int64(rows))
                }
                BatchLayout.forRowRanges(rows, work: work, body)
            }
        } } }
        return Tensor(unchecked: [b, rows], y)
    }
}
