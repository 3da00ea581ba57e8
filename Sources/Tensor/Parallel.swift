import Dispatch

/// Runs `body(i)` for `i in 0..<count`, spread over the machine's cores (Prune's worker pool) when the
/// work is large enough.
/// The same inputs always give the same outputs: every index writes its own disjoint part.
@inlinable
public func parallelFor(_ count: Int, minimumWorkPerTask: Int = 1, work perIndex: Int = 1,
                        _ body: (Int) -> Void) {
    if count <= 1 || count * perIndex < 32_768 || ProcessInfoCores.serialOverride {
        for i in 0..<count { body(i) }
        return
    }
    // Contiguous runs of indices, a few per core (claimed dynamically, so uneven work still balances).
    runRangesOnPool(count, parts: Swift.min(count, 8 * ProcessInfoCores.count)) { _, range in
        for i in range { body(i) }
    }
}

/// Splits `0..<count` into one contiguous chunk per core and runs `body(range)` on each.
@inlinable
public func parallelChunks(_ count: Int, grain: Int = 16_384, _ body: (Range<Int>) -> Void) {
    let chunks = Swift.min(ProcessInfoCores.count, Swift.max(1, count / grain))
    runRangesOnPool(count, parts: chunks) { _, range in body(range) }
}

/// The number of cores work is spread over: all of them, or `PRUNE_THREADS` (the CLI's `--threads`).
public enum ProcessInfoCores {
    /// Set PRUNE_SERIAL=1 (or limit to one thread) to run every loop on the calling thread (for measurements).
    public static let serialOverride: Bool = {
        getenv("PRUNE_SERIAL").map { String(cString: $0) == "1" } ?? false || count == 1
    }()
    public static let count: Int = {
        if let text = getenv("PRUNE_THREADS").map({ String(cString: $0) }), let n = Int(text), n >= 1 { return n }
        #if canImport(Glibc)
        return Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return Swift.max(1, Int(sysconf(_SC_NPROCESSORS_ONLN)))
        #endif
    }()

    /// Limits our loops, our product splits and OpenBLAS's threaded sections to `threads` threads;
    /// call it before any work (it sets `PRUNE_THREADS`, which `count` reads once).
    public static func limit(to threads: Int) {
        setenv("PRUNE_THREADS", String(threads), 1)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
