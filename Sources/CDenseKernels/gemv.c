// Prune's own matrix-vector product (issue 18): a Linear at batch 1 (x·Wᵀ, one row) or a product with one
// column. BLAS sgemv did these; a DYNAMIC_ARCH OpenBLAS that does not know the CPU falls back to a generic
// kernel table (Debian's 0.3.21 runs its SSE3 "Prescott" kernels on a 5th-generation Xeon with AVX-512), and
// a batch-1 Linear then took 2.4–4× PyTorch's time. The kernels run wherever Prune's sgemm does, with the same
// instruction set (prune_sgemm_kernels), so tests switch both together.
//
// A product streams A once and does one multiply-add per value read: its speed is the speed at which A
// arrives from the caches or memory. Both forms keep several independent sums in registers so that the loads
// never wait on the adds: four rows with two vectors of partial sums each (dots), or a block of 128
// (AVX-512) or 64 (AVX2) columns over all rows (axpys). The sums run in another order than sgemm's k-ordered
// chains, so a batch-1 product equals the matching row of a batch product to float rounding, not bit for bit
// (as with BLAS before).
#include "gemv_kernels.h"
#include "include/prune_dense_kernels.h"
#include <string.h>

int prune_sgemv(int trans, int64_t rows, int64_t columns, float alpha, const float *a, int64_t lda,
                const float *x, float beta, float *y) {
    const char *isa = prune_sgemm_kernels();
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (strcmp(isa, "AVX-512") == 0) {
        (trans ? prune_gemv_axpys_avx512 : prune_gemv_dots_avx512)(rows, columns, alpha, a, lda, x, beta, y);
        return 1;
    }
    if (strcmp(isa, "AVX2") == 0) {
        (trans ? prune_gemv_axpys_avx2 : prune_gemv_dots_avx2)(rows, columns, alpha, a, lda, x, beta, y);
        return 1;
    }
#endif
    (void)isa, (void)trans, (void)rows, (void)columns, (void)alpha, (void)a, (void)lda, (void)x, (void)beta;
    (void)y;
    return 0;
}
