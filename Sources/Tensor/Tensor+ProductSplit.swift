import CDenseKernels

/// How products are spread over the cores. OpenBLAS runs on one thread (set at load by
/// `blas_setup.c`); a large product is cut into one range of outputs per core, each an independent
/// BLAS call run by Prune's worker pool (`worker_pool.c`: workers that spin for at most 0.1 ms after
/// their last part, then sleep), so no BLAS worker is left spinning between kernels (issue 18).
/// Every output is computed by one call whichever part it falls in, and the cut depends only on the
/// shape and the thread count: the same inputs and threads give the same result.
extension Tensor {
    /// Parts to cut a product of `macs` multiply-adds into along an output axis of `extent`: one per
    /// core when the work reaches `minimum` and each part keeps at least `grain` outputs; 1 otherwise.
    @inlinable
    static func productParts(macs: Int, extent: Int, grain: Int, minimum: Int) -> Int {
        if macs < minimum || ProcessInfoCores.serialOverride { return 1 }
        return Swift.max(1, Swift.min(ProcessInfoCores.count, extent / grain))
    }

}

/// Runs `body(part, range)` on `parts` contiguous ranges of `0..<extent`, each a multiple of `grain`
/// long but the last, on the worker pool (on the calling thread when `parts` is 1 or the pool is busy).
/// Every parallel loop and product split of the engine cuts its work here. The `grain`-long units are
/// dealt evenly, the parts that get one more being the last ones, so the short last unit goes to a longer
/// part: 196 columns in 16s over two cores are 96 + 100, not 112 + 84 (a 3×3 layer of 256 channels over
/// 14×14, batch 1: 1.45–1.61 → 1.42–1.55 ms).
@usableFromInline
func runRangesOnPool(_ extent: Int, parts: Int, grain: Int = 1,
                     _ body: (_ part: Int, _ range: Range<Int>) -> Void) {
    if parts <= 1 { body(0, 0..<extent); return }
    let units = (extent + grain - 1) / grain, base = units / parts, firstLonger = parts - units % parts
    runOnPool(parts) { p in
        let lo = grain * (p * base + Swift.max(0, p - firstLonger))
        let hi = Swift.min(extent, lo + grain * (base + (p >= firstLonger ? 1 : 0)))
        if lo < hi { body(p, lo..<hi) }
    }
}

/// Runs `body(p)` for p in `0..<parts` on the calling thread and Prune's worker pool (`worker_pool.c`),
/// or on the calling thread alone when the pool is already running (a parallel loop inside another).
@usableFromInline
func runOnPool(_ parts: Int, _ body: (Int) -> Void) {
    withoutActuallyEscaping(body) { body in
        let job = PoolJob(body)
        withExtendedLifetime(job) {
            prune_pool_run(Int64(parts), Int32(ProcessInfoCores.count), { context, part in
                Unmanaged<PoolJob>.fromOpaque(context!).takeUnretainedValue().run(Int(part))
            }, Unmanaged.passUnretained(job).toOpaque())
        }
    }
}

/// One pooled run's parts, passed to the C pool as an opaque pointer.
final class PoolJob {
    let run: (Int) -> Void
    init(_ run: @escaping (Int) -> Void) { self.run = run }
}
