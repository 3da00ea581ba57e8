// The matrix-vector kernels of gemv.c, one pair per instruction set (gemv_avx512.c, gemv_avx2.c).
//
// Both compute y = alpha·op(A)·x + beta·y for a row-major A (rows `lda` apart); beta 0 never reads y.
// `dots`: op(A) = A, each y[i] the dot product of row i with x (columns values). `axpys`: op(A) = Aᵀ, each
// y[j] = Σ_i A[i][j]·x[i], the rows added into column blocks held in registers.
#ifndef PRUNE_GEMV_KERNELS_H
#define PRUNE_GEMV_KERNELS_H
#include <stdint.h>

/// Transposed products run over spans of SPAN columns (4 KB of each row, one page), CHUNK rows at a time
/// across the span's blocks: the rows are read front to back, where one block of columns over all rows
/// stepped a whole row (a page or more) per 512 bytes read (AVX-512, 4096×4096, one core: 3.38 → 2.60 ms).
enum { SPAN = 1024, CHUNK = 64 };

void prune_gemv_dots_avx512(int64_t rows, int64_t columns, float alpha, const float *a, int64_t lda,
                            const float *x, float beta, float *y);
void prune_gemv_axpys_avx512(int64_t rows, int64_t columns, float alpha, const float *a, int64_t lda,
                             const float *x, float beta, float *y);
void prune_gemv_dots_avx2(int64_t rows, int64_t columns, float alpha, const float *a, int64_t lda,
                          const float *x, float beta, float *y);
void prune_gemv_axpys_avx2(int64_t rows, int64_t columns, float alpha, const float *a, int64_t lda,
                           const float *x, float beta, float *y);

/// alpha·s + beta·y, without reading y when beta is 0 (it may hold anything, NaN included).
static inline float gemv_scaled(float s, float alpha, float beta, const float *y) {
    return beta == 0 ? alpha * s : alpha * s + beta * *y;
}
#endif
