import CDenseKernels
import CSparseKernels
import PruneTensor

/// A weight matrix `[rows, columns]` in a storage format that multiplies a batch faster than dense
/// when most of it is zero: CSR (``CSRMatrix``), block-sparse (``BlockSparseMatrix``) or packed N:M
/// (``NMSparseMatrix``). Every format converts to and from dense exactly. A new format is one
/// conforming type; ``SparseLinear`` runs any of them.
public protocol SparseWeight: Sendable {
    var rows: Int { get }
    var columns: Int { get }
    /// Bytes of the stored arrays.
    var bytes: Int { get }
    /// A short name for reports: "CSR", "BSR 4x1", "2:4".
    var formatName: String { get }
    /// The dense matrix.
    func dense() -> Tensor
    /// Y `[batch, rows]` = X `[batch, columns]` · Wᵀ.
    func multiply(batch x: Tensor) throws -> Tensor
}

extension CSRMatrix: SparseWeight {
    public var formatName: String { "CSR" }
    public func multiply(batch x: Tensor) throws -> Tensor { try SparseKernels.multiply(self, batch: x) }
}

/// Shared plumbing of the batch kernels.
enum BatchLayout {
    /// Checks X is `[batch, columns]`.
    static func check(_ x: Tensor, columns: Int, op: String) throws {
        guard x.rank == 2, x.shape[1] == columns else {
            throw TensorError.shapeMismatch(op: op, shapes: [x.shape], reason: "input must be [batch, \(columns)]")
        }
    }

    /// Xᵀ with its rows padded with zeros to `paddedColumns` and the batch to a multiple of 16.
    /// Its rows start on cache lines (``AlignedFloats``).
    static func transposed(_ x: Tensor, paddedColumns: Int) -> (xt: AlignedFloats, bp: Int) {
        let b = x.shape[0], cols = x.shape[1]
        let bp = (b + 15) / 16 * 16
        let xt = AlignedFloats(zeros: paddedColumns * bp)
        x.scalars.withUnsafeBufferPointer { xs in xt.withUnsafeMutableBufferPointer { xd in
            prune_transpose_f32(xs.baseAddress!, Int64(b), Int64(cols), Int64(cols), xd.baseAddress!, Int64(bp))
        } }
        return (xt, bp)
    }

    /// Stored weights below which a batch-1 sparse product stays on one core: at ~0.3 ns a weight (AVX2) a
    /// 40,000-weight product takes ~12 µs, several times what handing half of it to another core costs
    /// (768×768 at 90%, 59k weights: 18 µs on one core, 10–11 µs on two).
    static let vectorSerialBelow = 40_000

    /// Runs `body` over ranges of `count` rows: in one call when the work (multiply-adds) is below
    /// `serialBelow`, otherwise split over the cores, each range at least `minimumRows` long.
    static func forRowRanges(_ count: Int, work: Int, serialBelow: Int = 200_000, minimumRows: Int = 1,
                             _ body: (Range<Int>) -> Void) {
        if work < serialBelow { body(0..<count); return }
        parallelChunks(count, grain: Swift.max(minimumRows, count / Swift.max(ProcessInfoCores.count, 1)), body)
    }

    /// An uninitialized output buffer of `count` floats (every element is written by the kernels).
    static func output(_ count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { _, n in n = count }
    }
}
