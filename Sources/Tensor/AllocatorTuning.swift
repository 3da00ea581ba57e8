#if os(Linux)
import CSystem
#endif

/// Process-level memory settings for numeric work.
///
/// Tensors are large, short-lived arrays. By default glibc serves allocations above a (dynamic)
/// threshold with fresh `mmap` pages and returns them on free, so every training step pays a page
/// fault and a kernel zero-fill per 4 KiB of every large temporary. Keeping freed memory in the heap
/// removes that cost (about 1.5× on the CNN training step here). PyTorch gets the same effect from
/// its caching allocator. Call once at start-up; the `prune` CLI does.
public enum AllocatorTuning {
    /// Serves all allocations from the heap and keeps freed memory for reuse (Linux/glibc only; a no-op elsewhere).
    public static func keepFreedMemory() {
        #if os(Linux)
        _ = mallopt(M_MMAP_MAX, 0)
        _ = mallopt(M_TRIM_THRESHOLD, Int32.max)
        _ = mallopt(M_TOP_PAD, 64 << 20)
        #endif
    }
}
