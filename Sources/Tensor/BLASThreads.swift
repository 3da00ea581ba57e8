import CBLAS

/// Control of the BLAS library's own threads.
public enum BLASThreads {
    /// Runs `body` with BLAS limited to one thread, for code that spreads independent GEMMs over
    /// the cores itself (one thread per core, each calling sgemm). A no-op on Apple platforms.
    public static func singleThreaded<T>(_ body: () throws -> T) rethrows -> T {
        #if os(Linux)
        let before = openblas_get_num_threads()
        if before == 1 { return try body() }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(before) }
        #endif
        return try body()
    }

    /// Sets the number of threads OpenBLAS uses (a no-op on Apple platforms).
    public static func set(_ threads: Int) {
        #if os(Linux)
        openblas_set_num_threads(Int32(threads))
        #endif
    }
}
