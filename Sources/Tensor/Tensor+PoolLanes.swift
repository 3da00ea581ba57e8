import CDenseKernels

/// Pooling of small planes 8 channels per AVX2 vector (``prune_pool_lanes_f32``): a 14×14 or 7×7 plane fills
/// its row vectors only in part, so the per-plane kernels spent most of their time at the rows' edges, and
/// onnxruntime pools 8 channels per vector in its NCHWc layout. The same bits as the per-plane kernels.
extension Tensor {
    /// Whether pooling code may take the lanes kernel (tests turn it off to compare with the per-plane kernels).
    @TaskLocal static var allowsPoolLanes = true

    /// Pools the `planes` planes at `x` into `out` through the lanes kernel, in ranges of whole groups of 8
    /// over the cores, the planes left over by `plane(p)`; false when the kernel does not apply to `window`
    /// (nothing written). `scales` as ``prune_avgpool_f32`` takes them, for average pooling.
    static func poolInLanes(planes: Int, window: prune_plane_window, isMax: Bool, scales: UnsafePointer<Float>?,
                            x: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                            plane: (Int) -> Void) -> Bool {
        let kind: Int32 = isMax ? 1 : 0
        guard allowsPoolLanes, planes >= 8, prune_pool_lanes_applies(window, kind) != 0 else { return false }
        let inPlane = Int(window.h * window.wd), outPlane = Int(window.oh * window.ow)
        let parts = productParts(macs: planes * outPlane * Int(window.kh * window.kw), extent: planes, grain: 8,
                                 minimum: 32_768)
        runRangesOnPool(planes, parts: parts, grain: 8) { _, r in
            let done = prune_pool_lanes_f32(x + r.lowerBound * inPlane, Int64(r.count), window, kind, scales,
                                            out + r.lowerBound * outPlane)
            for p in r.lowerBound + Int(done) ..< r.upperBound { plane(p) }
        }
        return true
    }
}
