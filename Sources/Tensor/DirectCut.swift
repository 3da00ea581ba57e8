/// How a batch smaller than the cores cuts a direct convolution: each image's output positions in ranges (a
/// multiple of 8 each), or, for small planes with at least two panels of 16 filters, its filters in whole
/// panels, each part over every position: two cores writing ranges of the same channel rows share the cache
/// lines where the ranges meet (a 14×14 plane's rows are not line-aligned: about one line per row).
struct DirectCut {
    /// Ranges of positions and of filters per image and group (one of them is 1), and whether the rows kernel
    /// runs.
    let chunks: Int, filterParts: Int, rows: Bool
    private let positionsPer: Int, filtersPer: Int, l: Int, og: Int

    init(images n: Int, dims d: Tensor.ConvDims, cores: Int, rows: Bool) {
        let splitsFilters = n < cores && !rows && d.l <= 256 && d.og >= 32
        filterParts = splitsFilters ? Swift.min(cores, d.og / 16) : 1
        chunks = n >= cores || splitsFilters ? 1 : Swift.max(1, Swift.min(cores, d.l / 24))
        positionsPer = ((d.l + chunks - 1) / chunks + 7) / 8 * 8
        filtersPer = (d.og / 16 + filterParts - 1) / filterParts * 16
        self.rows = rows; l = d.l; og = d.og
    }

    var parts: Int { chunks * filterParts }

    /// The filters and positions of part `p`.
    func part(_ p: Int) -> (Range<Int>, Range<Int>) {
        let f = filterParts == 1 ? 0..<og : Swift.min(og, p * filtersPer) ..< (p == filterParts - 1 ? og
            : Swift.min(og, (p + 1) * filtersPer))
        let q = chunks == 1 ? 0..<l : Swift.min(l, p * positionsPer) ..< Swift.min(l, (p + 1) * positionsPer)
        return (f, q)
    }
}
