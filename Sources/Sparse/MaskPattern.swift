import CSparseKernels
import PruneTensor

/// The kept positions of a `[out, in]` mask in CSR order, and the same positions in the CSR order of
/// the transpose, so a sparse-training step gathers the current weight values in O(kept).
struct MaskPattern {
    let rows: Int, columns: Int
    let rowStart: [Int32], columnIndex: [Int32]
    /// Flat index into the weight of each stored entry (CSR order).
    let positions: [Int]
    let transposedRowStart: [Int32], transposedColumnIndex: [Int32]
    /// Flat index into the weight of each entry of the transpose's CSR.
    let transposedPositions: [Int]

    init(_ mask: Tensor) throws {
        guard mask.rank == 2, mask.count < Int(Int32.max) else {
            throw TensorError.invalidArgument(op: "sparse training", reason: "needs a 2-D mask with 32-bit indices")
        }
        rows = mask.shape[0]; columns = mask.shape[1]
        var start: [Int32] = [0], cols: [Int32] = [], pos: [Int] = []
        var perColumn = [Int32](repeating: 0, count: columns + 1)
        let m = mask.scalars
        for r in 0..<rows {
            for c in 0..<columns where m[r * columns + c] != 0 {
                cols.append(Int32(c)); pos.append(r * columns + c); perColumn[c + 1] += 1
            }
            start.append(Int32(pos.count))
        }
        for c in 0..<columns { perColumn[c + 1] += perColumn[c] }
        var next = perColumn.dropLast().map { Int($0) }
        var tCols = [Int32](repeating: 0, count: pos.count), tPos = [Int](repeating: 0, count: pos.count)
        for p in pos {
            let c = p % columns, slot = next[c]
            tCols[slot] = Int32(p / columns); tPos[slot] = p; next[c] += 1
        }
        rowStart = start; columnIndex = cols; positions = pos
        transposedRowStart = perColumn; transposedColumnIndex = tCols; transposedPositions = tPos

    }

    /// The weight at the kept positions as a CSR matrix `[rows, columns]`.
    func matrix(_ weight: Tensor) -> CSRMatrix {
        CSRMatrix(rows: rows, columns: columns, rowStart: rowStart, columnIndex: columnIndex,
                  values: weight.scalars.gathered(positions))
    }

    /// dL/dX = G·W from Gᵀ `[rows, bp]` (G `[batch, rows]`): the transpose's CSR times G.
    func inputGradient(gt: AlignedFloats, padded bp: Int, batch: Int, weight: Tensor) -> Tensor {
        let t = CSRMatrix(rows: columns, columns: rows, rowStart: transposedRowStart,
                          columnIndex: transposedColumnIndex, values: weight.scalars.gathered(transposedPositions))
        return SparseKernels.intrinsicsProduct(t, xt: gt, padded: bp, batch: batch, parallel: false)
    }

    /// dL/dW = Gᵀ·X at the kept positions (zero elsewhere), from Gᵀ `[rows, bp]` and Xᵀ `[columns, bp]`.
    func weightGradient(gt: AlignedFloats, xt: AlignedFloats, padded bp: Int) -> Tensor {
        var stored = [Float](repeating: 0, count: positions.count)
        rowStart.withUnsafeBufferPointer { rs in columnIndex.withUnsafeBufferPointer { ci in
            gt.withUnsafeBufferPointer { a in xt.withUnsafeBufferPointer { b in
                stored.withUnsafeMutableBufferPointer { o in
                    prune_csr_sddmm_rows(rs.baseAddress!, ci.baseAddress!, a.baseAddress!, b.baseAddress!, Int64(bp),
                                         0, Int64(rows), o.baseAddress!)
                }
            } }
        } }
        var dense = [Float](repeating: 0, count: rows * columns)
        for (k, p) in positions.enumerated() { dense[p] = stored[k] }
        return Tensor(unchecked: [rows, columns], dense)
    }
}

extension Array where Element == Float {
    /// The elements at `indices`.
    func gathered(_ indices: [Int]) -> [Float] {
        withUnsafeBufferPointer { s in indices.map { s[$0] } }
    }
}
