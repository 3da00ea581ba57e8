import PruneTensor

/// A sparse matrix in compressed sparse row form: for row r, its non-zeros are
/// `values[rowStart[r]..<rowStart[r + 1]]` at columns `columns[...]`, columns ascending.
/// Converting from and to dense is exact (only exact zeros are dropped).
public struct CSRMatrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public private(set) var rowStart: [Int32]
    public private(set) var columnIndex: [Int32]
    public private(set) var values: [Float]

    /// The non-zeros of a dense `[rows, columns]` tensor.
    public init(dense: Tensor) throws {
        guard dense.rank == 2 else {
            throw TensorError.shapeMismatch(op: "CSRMatrix", shapes: [dense.shape], reason: "needs a 2-D matrix")
        }
        guard dense.scalars.count < Int(Int32.max) else {
            throw TensorError.invalidArgument(op: "CSRMatrix", reason: "matrix too large for 32-bit indices")
        }
        rows = dense.shape[0]; columns = dense.shape[1]
        var start: [Int32] = [0], cols: [Int32] = [], vals: [Float] = []
        start.reserveCapacity(rows + 1)
        let s = dense.scalars
        for r in 0..<rows {
            for c in 0..<columns where s[r * columns + c] != 0 {
                cols.append(Int32(c)); vals.append(s[r * columns + c])
            }
            start.append(Int32(vals.count))
        }
        rowStart = start; columnIndex = cols; values = vals
    }

    /// A matrix from its arrays (already consistent: `rowStart` has rows + 1 ascending offsets).
    init(rows: Int, columns: Int, rowStart: [Int32], columnIndex: [Int32], values: [Float]) {
        self.rows = rows; self.columns = columns
        self.rowStart = rowStart; self.columnIndex = columnIndex; self.values = values
    }

    /// Number of stored non-zeros.
    public var nonzeros: Int { values.count }
    /// Fraction of zeros.
    public var sparsity: Double { rows * columns == 0 ? 0 : 1 - Double(nonzeros) / Double(rows * columns) }
    /// Bytes of the stored arrays.
    public var bytes: Int { 4 * (rowStart.count + columnIndex.count + values.count) }

    /// The dense matrix.
    public func dense() -> Tensor {
        var out = [Float](repeating: 0, count: rows * columns)
        for r in 0..<rows {
            for k in Int(rowStart[r])..<Int(rowStart[r + 1]) { out[r * columns + Int(columnIndex[k])] = values[k] }
        }
        return Tensor(unchecked: [rows, columns], out)
    }
}
