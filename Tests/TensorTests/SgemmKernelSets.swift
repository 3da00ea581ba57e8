import CDenseKernels

/// The sgemm's kernel sets (`sgemm_avx512.c`, `sgemm_avx2.c`) this CPU runs: `body` once under each, the
/// default set restored after. Empty where Prune's sgemm does not run (BLAS does the products).
func underEachSgemmKernelSet<T>(_ body: () throws -> T) rethrows -> [(set: String, result: T)] {
    let original = String(cString: prune_sgemm_kernels())
    defer { if !original.isEmpty { _ = prune_sgemm_use(original) } }
    var results: [(set: String, result: T)] = []
    for set in ["AVX-512", "AVX2"] where prune_sgemm_use(set) != 0 { results.append((set, try body())) }
    return results
}

/// `body` under each kernel set the CPU runs, with the set's name, or once (named "BLAS") where none runs.
func forEachSgemmKernelSet(_ body: (String) throws -> Void) rethrows {
    let ran = try underEachSgemmKernelSet { try body(String(cString: prune_sgemm_kernels())) }
    if ran.isEmpty { try body("BLAS") }
}
