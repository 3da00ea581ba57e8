import CDenseKernels

extension Tensor {
    /// `out[r] = Σ x[r·stride ..< r·stride + length]` (times `scale` when given) for `rows` rows, each sum the
    /// one ``prune_sum_f32`` takes (``prune_row_sums_f32``: eight rows at a time, their final additions side
    /// by side), in one range of rows per core from 32k values. The global average poolings of the CNNs: 64
    /// images of 64 planes of 7×7 (the MobileNet-style fixture) summed plane by plane spent ~60 ns per plane,
    /// mostly on each sum's 16 dependent final additions.
    static func rowSums(_ x: UnsafePointer<Float>, rows: Int, length: Int, stride: Int, scale: Float? = nil,
                        into out: UnsafeMutablePointer<Float>) {
        nonisolated(unsafe) let (x, out) = (x, out)
        let parts = productParts(macs: rows * length, extent: rows, grain: 8, minimum: 32_768)
        runRangesOnPool(rows, parts: parts, grain: 8) { _, r in
            prune_row_sums_f32(x + r.lowerBound * stride, Int64(r.count), Int64(length), Int64(stride),
                               out + r.lowerBound)
            guard let scale else { return }
            for row in r { out[row] *= scale }
        }
    }
}
