// gemv.c's kernels in AVX2 with FMA (8 lanes): four rows' dot products at a time, or blocks of 64 columns.
#include "gemv_kernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))
#include "transpose8.h"

INLINE AVX2 float lane_sum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}

/// y[r] for `R` rows of A from `a`: two vectors of partial sums per row, 16 columns per step, then a step of
/// 8 and the last few columns under a mask.
INLINE AVX2 void row_dots(const int R, const float *a, long lda, long n, const float *x, float alpha,
                          float beta, float *y) {
    __m256 lo[4], hi[4];
    for (int r = 0; r < R; r++) lo[r] = hi[r] = _mm256_setzero_ps();
    long j = 0;
    for (; j + 16 <= n; j += 16) {
        const __m256 x0 = _mm256_loadu_ps(x + j), x1 = _mm256_loadu_ps(x + j + 8);
        for (int r = 0; r < R; r++) {
            lo[r] = _mm256_fmadd_ps(_mm256_loadu_ps(a + r * lda + j), x0, lo[r]);
            hi[r] = _mm256_fmadd_ps(_mm256_loadu_ps(a + r * lda + j + 8), x1, hi[r]);
        }
    }
    if (j + 8 <= n) {
        const __m256 x0 = _mm256_loadu_ps(x + j);
        for (int r = 0; r < R; r++) lo[r] = _mm256_fmadd_ps(_mm256_loadu_ps(a + r * lda + j), x0, lo[r]);
        j += 8;
    }
    if (j < n) {
        const __m256i m = first_lanes(n - j);
        const __m256 x0 = _mm256_maskload_ps(x + j, m);
        for (int r = 0; r < R; r++) hi[r] = _mm256_fmadd_ps(_mm256_maskload_ps(a + r * lda + j, m), x0, hi[r]);
    }
    for (int r = 0; r < R; r++) y[r] = gemv_scaled(lane_sum(_mm256_add_ps(lo[r], hi[r])), alpha, beta, y + r);
}

AVX2 void prune_gemv_dots_avx2(int64_t rows, int64_t columns, float alpha, const float *a, int64_t lda,
                               const float *x, float beta, float *y) {
    long i = 0;
    for (; i + 4 <= rows; i += 4) row_dots(4, a + i * lda, lda, columns, x, alpha, beta, y + i);
    for (; i < rows; i++) row_dots(1, a + i * lda, lda, columns, x, alpha, beta, y + i);
}

/// The partial sums[0 …] of up to 64 columns from `a` (the block's first column, `rows` rows): each row's
/// values times x[i] added into eight vectors of sums, which start at 0 for the `first` rows and at `sums`
/// after; `keep[v]` masks the lanes of vector v that are the block's, all of them when `whole`.
INLINE AVX2 void column_block(const int whole, const int first, const float *a, long lda, long rows,
                              const float *x, const __m256i keep[8], float *sums) {
    __m256 acc[8];
    for (int v = 0; v < 8; v++) acc[v] = first ? _mm256_setzero_ps() : _mm256_load_ps(sums + 8 * v);
    for (long i = 0; i < rows; i++) {
        const __m256 xi = _mm256_broadcast_ss(x + i);
        const float *row = a + i * lda;
        for (int v = 0; v < 8; v++) {
            const __m256 w = whole ? _mm256_loadu_ps(row + 8 * v) : _mm256_maskload_ps(row + 8 * v, keep[v]);
            acc[v] = _mm256_fmadd_ps(w, xi, acc[v]);
        }
    }
    for (int v = 0; v < 8; v++) _mm256_store_ps(sums + 8 * v, acc[v]);
}

/// The sums of `span` (≤ SPAN) columns from `a` into `sums`, CHUNK rows at a time across all their blocks.
static AVX2 void column_span(const float *a, long lda, long rows, long span, const float *x, float *sums) {
    __m256i keep[8];
    for (long i0 = 0; i0 < rows; i0 += CHUNK) {
        const long count = rows - i0 < CHUNK ? rows - i0 : CHUNK;
        for (long j = 0; j < span; j += 64) {
            const long width = span - j < 64 ? span - j : 64;
            for (int v = 0; v < 8; v++) {
                keep[v] = first_lanes(width - 8 * v);
            }
            const float *block = a + i0 * lda + j;
            if (width == 64) column_block(1, i0 == 0, block, lda, count, x + i0, keep, sums + j);
            else column_block(0, i0 == 0, block, lda, count, x + i0, keep, sums + j);
        }
    }
}

AVX2 void prune_gemv_axpys_avx2(int64_t rows, int64_t columns, float alpha, const float *a, int64_t lda,
                              const float *x, float beta, float *y) {
    float sums[SPAN] __attribute__((aligned(64)));
    for (long j = 0; j < columns; j += SPAN) {
        const long span = columns - j < SPAN ? columns - j : SPAN;
        column_span(a + j, lda, rows, span, x, sums);
        for (long c = 0; c < span; c++) y[j + c] = gemv_scaled(sums[c], alpha, beta, y + j + c);
    }
}
#endif
