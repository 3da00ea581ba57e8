// The sums of many short rows `ld` apart (a global average pooling's planes: 64 channels of 7×7 per image),
// each the sum prune_sum_f32 takes, bit for bit. prune_sum_f32 keeps 16 partial sums and adds them up one
// after another at the end: 16 dependent additions per row, about as long as the row's own loads for a plane
// of 49. Here 8 rows run at once: each row's 16 partial sums in two vectors (the same additions in the same
// order; the tail added under a mask, where a masked lane adds +0, which leaves a partial sum as it is — a sum
// started at +0 is never −0), then the 8 rows' partial sums turned by two 8×8 transposes so that partial sum j
// of all 8 rows is one vector, and those 16 vectors added in order: the 8 rows' final chains run side by side.
#include "prune_dense_kernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2")))
#include "transpose8.h"

enum { ROWS = 8, PARTS = 16 };

/// Row r's 16 partial sums (x + r·len, len values) into parts[r·16 …]: in 16s, then the last len mod 16.
static inline __attribute__((always_inline)) AVX2 void partial_sums(const float *x, int64_t len, float *parts) {
    __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + PARTS <= len; i += PARTS) {
        lo = _mm256_add_ps(lo, _mm256_loadu_ps(x + i));
        hi = _mm256_add_ps(hi, _mm256_loadu_ps(x + i + 8));
    }
    if (i < len) {
        lo = _mm256_add_ps(lo, _mm256_maskload_ps(x + i, first_lanes(len - i)));
        hi = _mm256_add_ps(hi, _mm256_maskload_ps(x + i + 8, first_lanes(len - i - 8)));
    }
    _mm256_storeu_ps(parts, lo);
    _mm256_storeu_ps(parts + 8, hi);
}

/// The sums of 8 rows of len values at x (ld apart) into out[0 … 7].
static AVX2 void eight_sums(const float *x, int64_t len, int64_t ld, float *out) {
    float parts[ROWS * PARTS], turned[PARTS * ROWS];
    for (int r = 0; r < ROWS; r++) partial_sums(x + r * ld, len, parts + r * PARTS);
    transpose8(parts, PARTS, ROWS, turned, ROWS, 8);
    transpose8(parts + 8, PARTS, ROWS, turned + 8 * ROWS, ROWS, 8);
    __m256 sum = _mm256_setzero_ps();
    for (int j = 0; j < PARTS; j++) sum = _mm256_add_ps(sum, _mm256_loadu_ps(turned + j * ROWS));
    _mm256_storeu_ps(out, sum);
}

void prune_row_sums_f32(const float *x, int64_t rows, int64_t len, int64_t ld, float *out) {
    int64_t r = 0;
    if (__builtin_cpu_supports("avx2"))
        for (; r + ROWS <= rows; r += ROWS) eight_sums(x + r * ld, len, ld, out + r);
    for (; r < rows; r++) out[r] = prune_sum_f32(x + r * ld, len);
}
#else
void prune_row_sums_f32(const float *x, int64_t rows, int64_t len, int64_t ld, float *out) {
    for (int64_t r = 0; r < rows; r++) out[r] = prune_sum_f32(x + r * ld, len);
}
#endif
