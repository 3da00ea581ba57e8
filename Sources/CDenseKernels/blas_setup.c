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
#include <string.h>

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

#if defined(__linux__)
extern char *openblas_get_corename(void) __attribute__((weak));
#endif

/// Whether OpenBLAS runs one of its SSE-only tables on a CPU with AVX2: the table a DYNAMIC_ARCH build falls
/// back to for a CPU it does not know (Debian's 0.3.21 runs "Prescott" on a 5th-generation Xeon).
static int blas_fell_back(void) {
#if defined(__linux__) && defined(__x86_64__)
    if (!openblas_get_corename) return 0;
    const char *core = openblas_get_corename();
    const char *generic[] = {"Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Katmai", "Northwood"};
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2")) return 0;
    for (unsigned i = 0; i < sizeof generic / sizeof *generic; i++)
        if (core && strcmp(core, generic[i]) == 0) return 1;
#endif
    return 0;
}

const char *prune_blas_kernel_note(void) {
    if (getenv("OPENBLAS_CORETYPE") != NULL) return "pinned by OPENBLAS_CORETYPE";
    if (blas_fell_back())
        return "OpenBLAS's fallback for a CPU it does not know: its LAPACK runs without AVX; OPENBLAS_CORETYPE="
               "SkylakeX or Haswell selects its AVX-512 or AVX2 kernels";
    return "chosen by OpenBLAS for this CPU";
}
