// Pooling with windows 3 wide at stride 2 across (the 3×3/2 max pooling of most CNNs, ShuffleNet's 3×3/2 average
// pooling) in AVX2: each input row's folds across (8 outputs per step: the even and odd values of 16 consecutive
// ones by shuffles) computed once and kept while the output rows that read it need it, then each output row
// folded from its kernel rows in one pass. The autovectorized line kernel of maxpool.c computed each row's maxima
// once per output row reading it, six instructions per comparison and its edge outputs one by one with branches:
// 2.2 ns per output on one core for SqueezeNet's 64×111×111 pooling, 2.6 for ResNet-50's padded 64×112×112 one
// (here 1.2 and 1.1); avgpool.c's zero-bordered path folded every position of a row, half of which stride 2
// never reads.
//
// The same folds in the same order as maxpool.c's (taps in j order, kernel rows in i order, the first maximum
// kept, a NaN over a number) and as avgpool.c's bordered path (positions outside add 0, then the scale): the
// same bits.
#include "pool_stride2.h"
#include "pool_rows.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "pool_fold8.h"
#include "stride2_lanes.h"

#define AVX2 __attribute__((target("avx2,fma")))

/// Rows of across-folds kept at once (the window's height at most) and their values at most (on the stack).
enum { KEPT_ROWS = 8, KEPT_VALUES = 16384 };

/// row[c…c+7], `fill` for the columns outside [0, w) (not read). For max pooling −∞: such a tap never wins, and
/// a window wholly outside gives −∞, as maxpool.c's windows clipped at the borders do; for average pooling 0,
/// as avgpool.c's zero-bordered copy of the plane adds.
AVX2 static inline __m256 load_inside(const float *row, int64_t c, int64_t w, float fill) {
    const __m256i at = _mm256_add_epi32(_mm256_set1_epi32((int)c), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const __m256i inside = _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), at),
                                               _mm256_cmpgt_epi32(_mm256_set1_epi32((int)w), at));
    const float *start = (const float *)((uintptr_t)row + (uintptr_t)(c * (int64_t)sizeof(float)));
    return _mm256_blendv_ps(_mm256_set1_ps(fill), _mm256_maskload_ps(start, inside), _mm256_castsi256_ps(inside));
}

/// every_other for the values of row[c…c+15] at an edge of the row.
AVX2 static inline __m256 every_other_inside(const float *row, int64_t c, int64_t w, int odd, float fill) {
    const __m256 a = load_inside(row, c, w, fill), b = load_inside(row, c + 8, w, fill);
    return odd ? _mm256_shuffle_ps(a, b, 0xDD) : _mm256_shuffle_ps(a, b, 0x88);
}

/// line[x] for x < `width` (ow rounded up to 8, in every_other's lane order) = the fold of row[2x − pw + j] over
/// the taps j < 3 in j order: row[c] and row[c + 1], then row[c + 2] (the odd values from one column on),
/// c = 2x − pw. Blocks at an edge of the row load only the columns inside.
AVX2 __attribute__((always_inline)) static inline void
row_folds(const float *restrict row, int64_t w, int64_t pw, int64_t width, float *restrict line, const int is_max) {
    const float fill = is_max ? -INFINITY : 0.0f;
    for (int64_t x = 0; x < width; x += 8) {
        const int64_t c = 2 * x - pw;
        __m256 v;
        if (c >= 0 && c + 16 < w) {
            v = fold8(every_other(row + c, 0), every_other(row + c, 1), is_max);
            v = fold8(v, every_other(row + c + 1, 1), is_max);
        } else {
            v = fold8(every_other_inside(row, c, w, 0, fill), every_other_inside(row, c, w, 1, fill), is_max);
            v = fold8(v, every_other_inside(row, c + 1, w, 1, fill), is_max);
        }
        _mm256_storeu_ps(line + x, v);
    }
}

/// o[x] for x < ow = the fold of `count` rows of across-folds in order (count ≥ 1), times scales[x] when given.
AVX2 __attribute__((always_inline)) static inline void
fold_rows(const float *const *rows, int64_t count, int64_t ow, const float *restrict scales, float *restrict o,
          const int is_max) {
    for (int64_t x = 0; x < ow; x += 8) {
        __m256 v = _mm256_loadu_ps(rows[0] + x);
        for (int64_t i = 1; i < count; i++) v = fold8(v, _mm256_loadu_ps(rows[i] + x), is_max);
        v = in_order(v);
        if (x + 8 <= ow) {
            if (scales) v = _mm256_mul_ps(v, _mm256_loadu_ps(scales + x));
            _mm256_storeu_ps(o + x, v);
            continue;
        }
        float last[8] = {0};
        const size_t n = (size_t)(ow - x) * sizeof(float);
        if (scales) {
            memcpy(last, scales + x, n);
            v = _mm256_mul_ps(v, _mm256_loadu_ps(last));
        }
        _mm256_storeu_ps(last, v);
        memcpy(o + x, last, n);
    }
}

/// The across-folds of input row r in slot r mod kh of `kept` (the kh consecutive rows of a window have distinct
/// slots), computed when a window first needs them; a row outside the plane is `zeros`.
AVX2 __attribute__((always_inline)) static inline const float *
row_of(const float *restrict plane, int64_t r, int64_t h, int64_t w, int64_t kh, int64_t pw, int64_t width,
       float *restrict kept, int64_t *held, const float *zeros, const int is_max) {
    if (r < 0 || r >= h) return zeros;
    const int64_t slot = r % kh;
    if (held[slot] != r) row_folds(plane + r * w, w, pw, width, kept + slot * width, is_max);
    held[slot] = r;
    return kept + slot * width;
}

/// Every output row from its kernel rows: for max pooling those inside the plane (−∞ when none is), for average
/// pooling all of them, a row outside adding zeros (as the zero-bordered copy of avgpool.c does), times the
/// output's scale.
AVX2 __attribute__((always_inline)) static inline void
pool_rows(const float *restrict plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh, int64_t sh,
          int64_t ph, int64_t pw, const float *restrict scales, float *restrict out, float *restrict kept,
          const int is_max) {
    const int64_t width = (ow + 7) / 8 * 8;
    int64_t held[KEPT_ROWS];
    for (int64_t s = 0; s < kh; s++) held[s] = -1;
    float zeros[width];   // rows outside the plane, for average pooling (max pooling skips them)
    if (!is_max) memset(zeros, 0, sizeof(zeros));
    for (int64_t y = 0; y < oh; y++) {
        int64_t lo = 0, hi = kh;
        if (is_max) rows_inside(y, sh, ph, 1, kh, h, &lo, &hi);
        const float *rows[KEPT_ROWS];
        for (int64_t i = lo; i < hi; i++)
            rows[i - lo] = row_of(plane, y * sh - ph + i, h, w, kh, pw, width, kept, held, zeros, is_max);
        if (hi > lo) fold_rows(rows, hi - lo, ow, scales ? scales + y * ow : NULL, out + y * ow, is_max);
        else fill_lowest(out + y * ow, ow);
    }
}

AVX2 static void maxpool_rows(const float *plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh,
                              int64_t sh, int64_t ph, int64_t pw, float *out, float *kept) {
    pool_rows(plane, h, w, oh, ow, kh, sh, ph, pw, NULL, out, kept, 1);
}

AVX2 static void avgpool_rows(const float *plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh,
                              int64_t sh, int64_t ph, int64_t pw, const float *scales, float *out, float *kept) {
    pool_rows(plane, h, w, oh, ow, kh, sh, ph, pw, scales, out, kept, 0);
}

/// Whether the kernel applies: windows 3 wide at stride 2 across, no dilation, at most KEPT_ROWS high, rows of
/// outputs that fit the kept rows, padding inside the window, and a CPU with AVX2.
static int applies(int64_t oh, int64_t ow, int64_t kh, int64_t kw, int64_t sw, int64_t pw, int64_t dh, int64_t dw) {
    return sw == 2 && kw == 3 && dw == 1 && dh == 1 && kh >= 1 && kh <= KEPT_ROWS && oh >= 1 && ow >= 1
        && ow <= KEPT_VALUES / KEPT_ROWS && pw >= 0 && pw < kw && __builtin_cpu_supports("avx2");
}

int prune_maxpool_stride2_avx2(const float *plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh,
                               int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                               float *out) {
    if (!applies(oh, ow, kh, kw, sw, pw, dh, dw)) return 0;
    float kept[kh * ((ow + 7) / 8 * 8)];
    maxpool_rows(plane, h, w, oh, ow, kh, sh, ph, pw, out, kept);
    return 1;
}

int prune_avgpool_stride2_avx2(const float *plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh,
                               int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                               const float *scales, float *out) {
    if (!applies(oh, ow, kh, kw, sw, pw, dh, dw)) return 0;
    float kept[kh * ((ow + 7) / 8 * 8)];
    avgpool_rows(plane, h, w, oh, ow, kh, sh, ph, pw, scales, out, kept);
    return 1;
}
#else
int prune_maxpool_stride2_avx2(const float *plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh,
                               int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                               float *out) {
    return 0;
}

int prune_avgpool_stride2_avx2(const float *plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh,
                               int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                               const float *scales, float *out) {
    return 0;
}
#endif
