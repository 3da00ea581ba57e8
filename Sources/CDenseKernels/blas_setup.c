// OpenBLAS set-up (issue 18): its threads, and which of its kernels run.
//
// Prune spreads products over the cores itself (Tensor+ProductSplit.swift) and runs OpenBLAS on one
// thread: OpenBLAS's pthread server leaves its workers spinning in sched_yield for about 2^28 cycles
// after every threaded call, which took a core from Prune's own parallel loops (a quarter of the
// samples of a profile of an ONNX CNN at batch 1). This constructor runs after OpenBLAS's own (a dependency's
// initializers run first) and before any product; BLASThreads.multiThreaded lends OpenBLAS the cores
// for some LAPACK factorizations (Gram products are Prune's own, Tensor+Gram.swift; SparseGPT's factor
// runs on one thread, CholeskyOfInverse.swift).
//
// A DYNAMIC_ARCH OpenBLAS (Debian's 0.3.21) picks its kernel table from the CPU, or from
// OPENBLAS_CORETYPE when that is set. Prune does not override either: some machines pin the AVX2
// "Haswell" table on AVX-512 CPUs because older OpenBLAS builds compute wrong results on them, and a
// benchmark should say so, since it halves the peak of every sgemm there.
#include "prune_dense_kernels.h"
#include <stdlib.h>

#if defined(__linux__)
extern void openblas_set_num_threads(int threads) __attribute__((weak));
extern int blas_thread_shutdown_(void) __attribute__((weak));

// OpenBLAS's own constructor has already started its workers, which spin in sched_yield for their first
// ~0.1 s: that took a core from the first tenth of a second of every command (the first model of a
// benchmark ran up to 1.7× slower). They are stopped here; OpenBLAS starts them again when a threaded
// call needs them (BLASThreads.multiThreaded), as it does after a fork.
__attribute__((constructor)) static void prune_blas_one_thread(void) {
    if (openblas_set_num_threads) openblas_set_num_threads(1);
    if (blas_thread_shutdown_) blas_thread_shutdown_();
}
#endif

const char *prune_blas_kernel_note(void) {
    return getenv("OPENBLAS_CORETYPE") != NULL ? "pinned by OPENBLAS_CORETYPE" : "chosen by OpenBLAS for this CPU";
}
