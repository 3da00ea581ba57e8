// Max pooling with windows 3 wide at stride 2 across (the 3×3/2 pooling of most CNNs) in AVX2: each input
// row's maxima across (8 outputs per step: the even and odd values of 16 consecutive ones by shuffles) computed
// once and kept while the output rows that read it need it, then each output row folded from its kernel rows
// in one pass. The autovectorized line kernel of maxpool.c computed each row's maxima once per output row reading
// it, six instructions per comparison and its edge outputs one by one with branches: 2.2 ns per output on one
// core for SqueezeNet's 64×111×111 pooling, 2.6 for ResNet-50's padded 64×112×112 one (here 1.2 and 1.1).
//
// The same folds in the same order as maxpool.c's (taps in j order, kernel rows in i order, the first maximum
// kept, a NaN over a number): the same bits.
#include "maxpool_stride2.h"
#include "pool_rows.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define AVX2 __attribute__((target("avx2,fma")))

/// Rows of across-maxima kept at once (the window's height at most) and their values at most (on the stack).
enum { KEPT_ROWS = 8, KEPT_VALUES = 16384 };

/// `best` with `v` folded in where v wins (bordered_plane.h's `wins`: greater, or a NaN over a number).
AVX2 static inline __m256 fold8(__m256 best, __m256 v) {
    const __m256 wins8 = _mm256_and_ps(_mm256_cmp_ps(v, best, _CMP_NLE_UQ), _mm256_cmp_ps(best, best, _CMP_ORD_Q));
    return _mm256_blendv_ps(best, v, wins8);
}

/// p[0], p[2], …, p[14] when `odd` is 0, else p[1], p[3], …, p[15], in the order of lanes `shuffle_ps` leaves
/// them (the values of outputs 0, 1, 4, 5, 2, 3, 6, 7 of the block): every row of maxima keeps that order, and
/// each output row is put back in order once (in_order).
AVX2 static inline __m256 every_other(const float *p, int odd) {
    const __m256 a = _mm256_loadu_ps(p), b = _mm256_loadu_ps(p + 8);
    return odd ? _mm256_shuffle_ps(a, b, 0xDD) : _mm256_shuffle_ps(a, b, 0x88);
}

/// A block's 8 values from every_other's lane order back in output order.
AVX2 static inline __m256 in_order(__m256 v) {
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), 0xD8));
}

/// row[c…c+7], −∞ for the columns outside [0, w) (not read): such a tap never wins, and a window wholly outside
/// gives −∞, as maxpool.c's windows clipped at the borders do.
AVX2 static inline __m256 load_inside(const float *row, int64_t c, int64_t w) {
    const __m256i at = _mm256_add_epi32(_mm256_set1_epi32((int)c), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const __m256i inside = _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_setzero_si256(), at),
                                               _mm256_cmpgt_epi32(_mm256_set1_epi32((int)w), at));
    const float *start = (const float *)((uintptr_t)row + (uintptr_t)(c * (int64_t)sizeof(float)));
    return _mm256_blendv_ps(_mm256_set1_ps(-INFINITY), _mm256_maskload_ps(start, inside), _mm256_castsi256_ps(inside));
}

/// every_other for the values of row[c…c+15] at an edge of the row.
AVX2 static inline __m256 every_other_inside(const float *row, int64_t c, int64_t w, int odd) {
    const __m256 a = load_inside(row, c, w), b = load_inside(row, c + 8, w);
    return odd ? _mm256_shuffle_ps(a, b, 0xDD) : _mm256_shuffle_ps(a, b, 0x88);
}

/// line[x] for x < `width` (ow rounded up to 8, in every_other's lane order) = the maximum of row[2x − pw + j]
/// over the taps j < 3 inside the w-wide row: row[c] and row[c + 1] folded, then row[c + 2] (the odd values from
/// one column on), c = 2x − pw. Blocks at an edge of the row load only the columns inside.
AVX2 static inline void row_maxima(const float *restrict row, int64_t w, int64_t pw, int64_t width,
                                   float *restrict line) {
    for (int64_t x = 0; x < width; x += 8) {
        const int64_t c = 2 * x - pw;
        __m256 best;
        if (c >= 0 && c + 16 < w) {
            best = fold8(every_other(row + c, 0), every_other(row + c, 1));
            best = fold8(best, every_other(row + c + 1, 1));
        } else {
            best = fold8(every_other_inside(row, c, w, 0), every_other_inside(row, c, w, 1));
            best = fold8(best, every_other_inside(row, c + 1, w, 1));
        }
        _mm256_storeu_ps(line + x, best);
    }
}

/// o[x] for x < ow = the fold of `count` rows of maxima in order (count ≥ 1).
AVX2 static inline void fold_rows(const float *const *rows, int64_t count, int64_t ow, float *restrict o) {
    for (int64_t x = 0; x < ow; x += 8) {
        __m256 best = _mm256_loadu_ps(rows[0] + x);
        for (int64_t i = 1; i < count; i++) best = fold8(best, _mm256_loadu_ps(rows[i] + x));
        best = in_order(best);
        if (x + 8 <= ow) {
            _mm256_storeu_ps(o + x, best);
        } else {
            float last[8];
            _mm256_storeu_ps(last, best);
            memcpy(o + x, last, (size_t)(ow - x) * sizeof(float));
        }
    }
}

/// Every output row from its kernel rows inside the plane; input row r's maxima live in slot r mod kh of `kept`
/// (the kh consecutive rows of a window have distinct slots), computed when a window first needs them.
AVX2 static void pool_rows(const float *restrict plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh,
                           int64_t sh, int64_t ph, int64_t pw, float *restrict out, float *restrict kept) {
    const int64_t width = (ow + 7) / 8 * 8;
    int64_t held[KEPT_ROWS];
    for (int64_t s = 0; s < kh; s++) held[s] = -1;
    for (int64_t y = 0; y < oh; y++) {
        int64_t lo, hi;
        rows_inside(y, sh, ph, 1, kh, h, &lo, &hi);
        const float *rows[KEPT_ROWS];
        for (int64_t i = lo; i < hi; i++) {
            const int64_t r = y * sh - ph + i, slot = r % kh;
            if (held[slot] != r) row_maxima(plane + r * w, w, pw, width, kept + slot * width);
            held[slot] = r;
            rows[i - lo] = kept + slot * width;
        }
        if (hi > lo) fold_rows(rows, hi - lo, ow, out + y * ow);
        else fill_lowest(out + y * ow, ow);
    }
}

int prune_maxpool_stride2_avx2(const float *plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh,
                               int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                               float *out) {
    if (sw != 2 || kw != 3 || dw != 1 || dh != 1 || kh < 1 || kh > KEPT_ROWS || oh < 1 || ow < 1
        || ow > KEPT_VALUES / KEPT_ROWS || pw < 0 || pw >= kw || !__builtin_cpu_supports("avx2"))
        return 0;
    float kept[kh * ((ow + 7) / 8 * 8)];
    pool_rows(plane, h, w, oh, ow, kh, sh, ph, pw, out, kept);
    return 1;
}
#else
int prune_maxpool_stride2_avx2(const float *plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh,
                               int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                               float *out) {
    return 0;
}
#endif
