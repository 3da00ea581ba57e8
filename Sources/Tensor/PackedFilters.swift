import CDenseKernels

/// A convolution's filters packed for Prune's sgemm (`prune_sgemm_pack_a`), so that the images of a batch,
/// the ranges of a product cut over the cores and, kept by the layer, the calls of an inference share one
/// packing instead of each repacking (and transposing) the whole filter matrix. Products from it give the
/// same bits as `prune_sgemm` on the unpacked filters. Nil where Prune's kernels do not run (BLAS does the
/// products).
public struct PackedFilters: Sendable {
    private let storage: [Float]
    private let perGroup: Int
    /// Filters per group (rows of each group's matrix) and values per filter (its columns).
    let rows: Int, columns: Int
    /// The same filters for the direct convolution (``Tensor/runsDirect(_:)``), when a layer of their shape may
    /// run there: the forward pass runs directly (``Tensor/forwardRunsDirect``), a kernel larger than 1×1, at most
    /// 96 filters per group of at most 4,608 values.
    public private(set) var direct: DirectFilterPanels?

    /// Packs `groups` consecutive row-major `rows × columns` matrices at `weights`, or with `transposed`
    /// the transposes of `groups` consecutive `columns × rows` ones (the filters' adjoint, for the
    /// input gradient).
    init?(_ weights: UnsafePointer<Float>, groups: Int, rows: Int, columns: Int, transposed: Bool = false) {
        let per = Int(prune_sgemm_packed_a_count(Int64(rows), Int64(columns)))
        guard per > 0, groups > 0 else { return nil }
        var packed = [Float](repeating: 0, count: per * groups)
        let ok = packed.withUnsafeMutableBufferPointer { p in
            (0..<groups).allSatisfy { g in
                prune_sgemm_pack_a(transposed ? 1 : 0, Int64(rows), Int64(columns), weights + g * rows * columns,
                                   Int64(transposed ? rows : columns), p.baseAddress! + g * per) != 0
            }
        }
        guard ok else { return nil }
        storage = packed; perGroup = per; self.rows = rows; self.columns = columns
    }

    /// The filters of a convolution (`[O, C/groups, KH, KW]`) in `groups` groups.
    public init?(filters: Tensor, groups: Int) {
        guard filters.rank == 4, groups > 0, filters.shape[0] % groups == 0 else { return nil }
        let rows = filters.shape[0] / groups, columns = filters.count / Swift.max(1, filters.shape[0])
        let packed = filters.scalars.withUnsafeBufferPointer { p in
            PackedFilters(p.baseAddress!, groups: groups, rows: rows, columns: columns)
        }
        guard var packed else { return nil }
        if filters.shape[2] * filters.shape[3] > 1, rows <= Tensor.directFilterLimit,
           columns <= Tensor.directPatchLimit, Tensor.forwardRunsDirect {
            packed.direct = filters.scalars.withUnsafeBufferPointer { p in
                DirectFilterPanels(p.baseAddress!, groups: groups, rows: rows, columns: columns)
            }
        }
        self = packed
    }

    /// Whether these are `groups` groups of `rows` filters of `columns` values.
    func fits(groups: Int, rows: Int, columns: Int) -> Bool {
        self.rows == rows && self.columns == columns && storage.count == perGroup * groups
    }

    /// C[rows] = A[rows]·B + bias (one value per row, `bias[0]` for the first) for group `group`'s filters `rows`
    /// (starting on a 12-row panel) and the `n` columns of `b` (a matrix or the patches of an image), then
    /// `epilogue` on each tile when it is given.
    func product(group: Int, rows r: Range<Int>, _ b: prune_sgemm_b, n: Int, bias: UnsafePointer<Float>?,
                 epilogue: prune_epilogue? = nil, _ c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
        storage.withUnsafeBufferPointer { p in
            withUnsafePointer(to: b) { bp in
                withOptionalPointer(to: epilogue) { ep in
                    prune_sgemm_prepacked_b(Int64(rows), Int64(r.lowerBound), Int64(r.count), Int64(n),
                                            Int64(columns), p.baseAddress! + group * perGroup, bp, bias, ep, 0, c,
                                            Int64(ldc)) != 0
                }
            }
        }
    }

    /// `body` with the address of `value`, or nil when there is none.
    private func withOptionalPointer<T, R>(to value: T?, _ body: (UnsafePointer<T>?) -> R) -> R {
        guard let value else { return body(nil) }
        return withUnsafePointer(to: value) { body($0) }
    }

    /// C[rows] = A[rows]·B (+ C when beta is 1) for group `group`'s filters `rows` (starting on a 12-row panel)
    /// and the `n` columns of the row-major B (`columns × n`, rows `ldb` apart) and C (rows `ldc` apart).
    func product(group: Int, rows r: Range<Int>, _ b: UnsafePointer<Float>, ldb: Int, n: Int,
                 beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) -> Bool {
        storage.withUnsafeBufferPointer { p in
            prune_sgemm_prepacked(Int64(rows), Int64(r.lowerBound), Int64(r.count), Int64(n), Int64(columns), 1,
                                  p.baseAddress! + group * perGroup, 0, b, Int64(ldb), beta, c, Int64(ldc)) != 0
        }
    }
}
