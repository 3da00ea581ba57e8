// gemv.c's kernels in AVX-512 (16 lanes): four rows' dot products at a time, or blocks of 128 columns.
#include "gemv_kernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define AVX512 __attribute__((target("avx512f")))
#define INLINE static inline __attribute__((always_inline))

/// The first `count` (< 16) lanes.
INLINE __mmask16 lanes(long count) { return (__mmask16)((1u << count) - 1); }

/// y[r] for `R` rows of A from `a`: two vectors of partial sums per row, 32 columns per step, then a step of
/// 16 and the last few columns under a mask.
INLINE AVX512 void row_dots(const int R, const float *a, long lda, long n, const float *x, float alpha,
                            float beta, float *y) {
    __m512 lo[4], hi[4];
    for (int r = 0; r < R; r++) lo[r] = hi[r] = _mm512_setzero_ps();
    long j = 0;
    for (; j + 32 <= n; j += 32) {
        const __m512 x0 = _mm512_loadu_ps(x + j), x1 = _mm512_loadu_ps(x + j + 16);
        for (int r = 0; r < R; r++) {
            lo[r] = _mm512_fmadd_ps(_mm512_loadu_ps(a + r * lda + j), x0, lo[r]);
            hi[r] = _mm512_fmadd_ps(_mm512_loadu_ps(a + r * lda + j + 16), x1, hi[r]);
        }
    }
    if (j + 16 <= n) {
        const __m512 x0 = _mm512_loadu_ps(x + j);
        for (int r = 0; r < R; r++) lo[r] = _mm512_fmadd_ps(_mm512_loadu_ps(a + r * lda + j), x0, lo[r]);
        j += 16;
    }
    if (j < n) {
        const __mmask16 m = lanes(n - j);
        const __m512 x0 = _mm512_maskz_loadu_ps(m, x + j);
        for (int r = 0; r < R; r++) hi[r] = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + r * lda + j), x0, hi[r]);
    }
    for (int r = 0; r < R; r++)
        y[r] = gemv_scaled(_mm512_reduce_add_ps(_mm512_add_ps(lo[r], hi[r])), alpha, beta, y + r);
}

AVX512 void prune_gemv_dots_avx512(int64_t rows, int64_t columns, float alpha, const float *a, int64_t lda,
                                   const float *x, float beta, float *y) {
    long i = 0;
    for (; i + 4 <= rows; i += 4) row_dots(4, a + i * lda, lda, columns, x, alpha, beta, y + i);
    for (; i < rows; i++) row_dots(1, a + i * lda, lda, columns, x, alpha, beta, y + i);
}

/// The partial sums[0 …] of up to 128 columns from `a` (the block's first column, `rows` rows): each row's
/// values times x[i] added into eight vectors of sums, which start at 0 for the `first` rows and at `sums`
/// after; `keep[v]` says which lanes of vector v are the block's, all of them when `whole`.
INLINE AVX512 void column_block(const int whole, const int first, const float *a, long lda, long rows,
                                const float *x, const __mmask16 keep[8], float *sums) {
    __m512 acc[8];
    for (int v = 0; v < 8; v++) acc[v] = first ? _mm512_setzero_ps() : _mm512_load_ps(sums + 16 * v);
    for (long i = 0; i < rows; i++) {
        const __m512 xi = _mm512_set1_ps(x[i]);
        const float *row = a + i * lda;
        for (int v = 0; v < 8; v++) {
            const __m512 w = whole ? _mm512_loadu_ps(row + 16 * v) : _mm512_maskz_loadu_ps(keep[v], row + 16 * v);
            acc[v] = _mm512_fmadd_ps(w, xi, acc[v]);
        }
    }
    for (int v = 0; v < 8; v++) _mm512_store_ps(sums + 16 * v, acc[v]);
}

/// The sums of `span` (≤ SPAN) columns from `a` into `sums`, CHUNK rows at a time across all their blocks.
static AVX512 void column_span(const float *a, long lda, long rows, long span, const float *x, float *sums) {
    __mmask16 keep[8];
    for (long i0 = 0; i0 < rows; i0 += CHUNK) {
        const long count = rows - i0 < CHUNK ? rows - i0 : CHUNK;
        for (long j = 0; j < span; j += 128) {
            const long width = span - j < 128 ? span - j : 128;
            for (int v = 0; v < 8; v++) {
                const long left = width - 16 * v;
                keep[v] = left >= 16 ? (__mmask16)0xFFFF : left > 0 ? lanes(left) : 0;
            }
            const float *block = a + i0 * lda + j;
            if (width == 128) column_block(1, i0 == 0, block, lda, count, x + i0, keep, sums + j);
            else column_block(0, i0 == 0, block, lda, count, x + i0, keep, sums + j);
        }
    }
}

AVX512 void prune_gemv_axpys_avx512(int64_t rows, int64_t columns, float alpha, const float *a, int64_t lda,
                              const float *x, float beta, float *y) {
    float sums[SPAN] __attribute__((aligned(64)));
    for (long j = 0; j < columns; j += SPAN) {
        const long span = columns - j < SPAN ? columns - j : SPAN;
        column_span(a + j, lda, rows, span, x, sums);
        for (long c = 0; c < span; c++) y[j + c] = gemv_scaled(sums[c], alpha, beta, y + j + c);
    }
}
#endif
