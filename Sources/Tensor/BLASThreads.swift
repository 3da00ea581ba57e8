import CBLAS
import CDenseKernels

/// Control of the BLAS library's own threads, and which of its kernels run.
///
/// OpenBLAS runs on one thread from load (`blas_setup.c`): products are spread over the cores by
/// ``Tensor/gemm(_:_:_:m:n:k:transA:transB:alpha:beta:)`` itself, so no idle BLAS worker spins while
/// Swift code runs. Some LAPACK factorizations borrow the cores through ``multiThreaded(_:)``; Gram
/// products are Prune's own (``Tensor/addGram(_:rows:features:into:)``).
public enum BLASThreads {
    /// Runs `body` with BLAS limited to one thread (the default; kept for code that says so).
    public static func singleThreaded<T>(_ body: () throws -> T) rethrows -> T {
        #if os(Linux)
        let before = openblas_get_num_threads()
        if before == 1 { return try body() }
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(before) }
        #endif
        return try body()
    }

    /// Runs `body` with BLAS on every core Prune may use (``ProcessInfoCores/count``): for LAPACK
    /// factorizations, which OpenBLAS splits and Prune does not. Its worker threads spin for a moment
    /// afterwards; fine after work this large. SparseGPT's factorizations do not use it: with threaded
    /// LAPACK the same job's perplexity differed in about one run in ten (`CholeskyOfInverse.swift`).
    public static func multiThreaded<T>(_ body: () throws -> T) rethrows -> T {
        #if os(Linux)
        let cores = ProcessInfoCores.serialOverride ? 1 : ProcessInfoCores.count
        if cores <= 1 { return try body() }
        openblas_set_num_threads(Int32(cores))
        defer { openblas_set_num_threads(1) }
        #endif
        return try body()
    }

    /// The kernels in use, for benchmark headers: who multiplies matrices (Prune's AVX-512 or AVX2 sgemm, or BLAS),
    /// OpenBLAS's core name and who chose it (a machine may pin AVX2 kernels on an AVX-512 CPU with
    /// `OPENBLAS_CORETYPE`, which halves the peak of BLAS's sgemm).
    public static var kernels: String {
        let note = String(cString: prune_blas_kernel_note())
        let isa = String(cString: prune_sgemm_kernels())
        let products = isa.isEmpty ? "" : "sgemm: Prune's \(isa) kernels; "
        #if os(Linux)
        return products + "OpenBLAS \(String(cString: openblas_get_corename())) kernels (\(note))"
        #else
        return products + "Accelerate (\(note))"
        #endif
    }
}
