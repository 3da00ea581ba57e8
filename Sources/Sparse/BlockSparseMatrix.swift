import CSparseKernels
import PruneTensor

/// Block compressed sparse rows (BSR): the matrix is cut into `blockRows × blockColumns` blocks
/// (1×4, 4×1, 4×4, 8×1, …, at most 8 rows) and only blocks with a non-zero are stored, each as a
/// dense row-major block. Sizes that are not multiples of the block are padded with zeros inside
/// the edge blocks. Block pruning (Narang et al. 2017; Gray, Radford & Kingma 2017) makes every
/// stored block useful, and one loaded input value then feeds `blockRows` outputs.
public struct BlockSparseMatrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public let blockRows: Int
    public let blockColumns: Int
    public private(set) var blockRowStart: [Int32]
    public private(set) var blockColumnIndex: [Int32]
    public private(set) var values: [Float]

    public init(dense: Tensor, blockRows r: Int, blockColumns c: Int) throws {
        guard dense.rank == 2 else { throw TensorError.shapeMismatch(op: "BlockSparseMatrix", shapes: [dense.shape],
                                                                     reason: "needs a 2-D matrix") }
        guard (1...8).contains(r), c >= 1, c <= 64 else {
            throw TensorError.invalidArgument(op: "BlockSparseMatrix",
                                              reason: "blocks must have 1 to 8 rows and 1 to 64 columns, got \(r)x\(c)")
        }
        guard dense.count < Int(Int32.max) else { throw TensorError.invalidArgument(op: "BlockSparseMatrix",
                                                                                    reason: "matrix too large for 32-bit indices") }
        rows = dense.shape[0]; columns = dense.shape[1]; blockRows = r; blockColumns = c
        let s = dense.scalars
        let nbr = (rows + r - 1) / r, nbc = (columns + c - 1) / c
        var start: [Int32] = [0], cols: [Int32] = [], vals: [Float] = []
        for br in 0..<nbr {
            for bc in 0..<nbc {
                var block = [Float](repeating: 0, count: r * c)
                var any = false
                for rr in 0..<r where br * r + rr < rows {
                    for cc in 0..<c where bc * c + cc < columns {
                        let v = s[(br * r + rr) * columns + bc * c + cc]
                        block[rr * c + cc] = v
                        if v != 0 { any = true }
                    }
                }
                if any { cols.append(Int32(bc)); vals.append(contentsOf: block) }
            }
            start.append(Int32(cols.count))
        }
        blockRowStart = start; blockColumnIndex = cols; values = vals
    }

    public var storedBlocks: Int { blockColumnIndex.count }
    var paddedColumns: Int { (columns + blockColumns - 1) / blockColumns * blockColumns }
    var blockRowCount: Int { blockRowStart.count - 1 }
}

extension BlockSparseMatrix: SparseWeight {
    public var bytes: Int { 4 * (blockRowStart.count + blockColumnIndex.count + values.count) }
    public var formatName: String { "BSR \(blockRows)x\(blockColumns)" }

    public func dense() -> Tensor {
        var out = [Float](repeating: 0, count: rows * columns)
        let r = blockRows, c = blockColumns
        for br in 0..<blockRowCount {
            for k in Int(blockRowStart[br])..<Int(blockRowStart[br + 1]) {
                let bc = Int(blockColumnIndex[k])
                for rr in 0..<r where br * r + rr < rows {
                    for cc in 0..<c where bc * c + cc < columns { out[(br * r + rr) * columns + bc * c + cc] = values[k * r * c + rr * c + cc] }
                }
            }
        }
        return Tensor(unchecked: [rows, columns], out)
    }

    public func multiply(batch x: Tensor) throws -> Tensor {
        try BatchLayout.check(x, columns: columns, op: "BlockSparseMatrix.multiply")
        let b = x.shape[0]
        var y = BatchLayout.output(b * rows)
        if y.isEmpty { return Tensor(unchecked: [b, rows], y) }
        let work = values.count * b, nbr = blockRowCount
        let r = Int64(blockRows), c = Int64(blockColumns)
        blockRowStart.withUnsafeBufferPointer { brs in blockColumnIndex.withUnsafeBufferPointer { bci in values.withUnsafeBufferPointer { va in
            y.withUnsafeMutableBufferPointer { yp in
                nonisolated(unsafe) let out = yp.baseAddress!
                if b == 1 {
                    var xp = x.scalars
                    xp.append(contentsOf: [Float](repeating: 0, count: paddedColumns - columns))
                    xp.withUnsafeBufferPointer { xs in
                        let body = { (range: Range<Int>) in
                            prune_bsr_spmv_rows(r, c, brs.baseAddress!, bci.baseAddress, va.baseAddress,
                                                xs.baseAddress!, Int64(rows),
                                                Int64(range.lowerBound), Int64(range.upperBound), out)
                        }
                        BatchLayout.forRowRanges(nbr, work: work, body)
                    }
                    return
                }
                let (xt, bp) = BatchLayout.transposed(x, paddedColumns: paddedColumns)
                xt.withUnsafeBufferPointer { xtp in
                    let body = { (range: Range<Int>) in
                        prune_bsr_spmm_rows(r, c, brs.baseAddress!, bci.baseAddress, va.baseAddress, xtp.baseAddress!,
                                            Int64(bp), Int64(b), Int64(rows),
                                            Int64(range.lowerBound), Int64(range.upperBound), out, Int64(rows))
                    }
                    BatchLayout.forRowRanges(nbr, work: work, body)
                }
            }
        } } }
        return Tensor(unchecked: [b, rows], y)
    }
}
