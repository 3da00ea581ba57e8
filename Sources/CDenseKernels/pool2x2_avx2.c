// Max pooling 2×2 at stride 2 without padding (LeNet's, VGG's and most small CNNs' pooling) in AVX2, 8 outputs per
// step straight from the plane: the even and odd values of 16 consecutive ones in each of the window's two rows
// (shuffles), folded across, then down, and put back in output order. A row's last outputs are a step that
// overlaps the one before (rows of at least 8 outputs), so no step reads past its rows or stores part of a
// vector. Rows of fewer than 8 outputs and an even width take the pairs across the whole plane in one flat pass
// instead (a pair never straddles two rows), then each output row from its two rows of pairs. One core, min of
// 31 rounds: 1,024 planes of 28×28 (a small CNN's first pooling, 64 images) 0.22–0.34 ms through 8 planes
// transposed into lanes and back (pool_lanes.c), 0.08–0.11 ms here; 2,048 planes of 14×14 0.12–0.21 → 0.07.
//
// The same folds in the same order as maxpool.c's (across, then down; the first maximum, a NaN over a number):
// the same values and winners.
#include "pool2x2.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#include "pool_fold8.h"
#include "stride2_lanes.h"

#define AVX2 __attribute__((target("avx2,fma")))
#include "transpose8.h"

/// Short rows: pairs across the plane at most (on the stack), and the zeros after them that a row's fold reads.
enum { SHORT_VALUES = 4096, SHORT_SLACK = 8 };

/// Rows of at least 8 outputs, read in place.
static int long_rows(int64_t h, int64_t w, int64_t oh, int64_t ow) {
    return oh >= 1 && ow >= 8 && 2 * oh <= h && 2 * ow <= w && w <= INT32_MAX / (2 * oh + 2);
}

/// Shorter rows of an even width, whose pairs across fit the stack.
static int short_rows(int64_t h, int64_t w, int64_t oh, int64_t ow) {
    return oh >= 1 && ow >= 1 && ow < 8 && w % 2 == 0 && 2 * oh <= h && 2 * ow <= w && oh * w >= 8
        && oh * w <= SHORT_VALUES;
}

static int two_by_two(int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw) {
    return kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 && dh == 1 && dw == 1;
}

int prune_maxpool2x2_avx2_applies(int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh, int64_t kw,
                                  int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw) {
    return two_by_two(kh, kw, sh, sw, ph, pw, dh, dw) && (long_rows(h, w, oh, ow) || short_rows(h, w, oh, ow))
        && __builtin_cpu_supports("avx2");
}

/// The maxima of the 8 windows whose top-left values are r0[0], r0[2], …, r0[14] (bottom row r1), in output order.
AVX2 static inline __m256 windows8(const float *r0, const float *r1) {
    const __m256 top = fold8(every_other(r0, 0), every_other(r0, 1), 1);
    const __m256 bottom = fold8(every_other(r1, 0), every_other(r1, 1), 1);
    return in_order(fold8(top, bottom, 1));
}

/// windows8 with each winner's flat index in *at: `even` holds the indices of r0[0], r0[2], …, r0[14] in
/// every_other's lane order, `w` the distance from r0 to r1.
AVX2 static inline __m256 windows8_at(const float *r0, const float *r1, __m256i even, int32_t w, __m256i *at) {
    const __m256 a = every_other(r0, 0), b = every_other(r0, 1), c = every_other(r1, 0), d = every_other(r1, 1);
    const __m256 right_top = wins8(b, a), right_bottom = wins8(d, c);
    const __m256 top = _mm256_blendv_ps(a, b, right_top), bottom = _mm256_blendv_ps(c, d, right_bottom);
    // A winning odd value's mask is −1 as an integer: subtracting it adds 1 to the even index.
    const __m256i top_at = _mm256_sub_epi32(even, _mm256_castps_si256(right_top));
    const __m256i bottom_at = _mm256_sub_epi32(_mm256_add_epi32(even, _mm256_set1_epi32(w)),
                                               _mm256_castps_si256(right_bottom));
    const __m256 down = wins8(bottom, top);
    const __m256i chosen = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(top_at),
                                                                _mm256_castsi256_ps(bottom_at), down));
    *at = _mm256_permute4x64_epi64(chosen, 0xD8);
    return in_order(_mm256_blendv_ps(top, bottom, down));
}

/// Rows of at least 8 outputs from the plane in place, with the winners in `arg` when it is not NULL.
AVX2 static void pool_long_rows(const float *plane, int64_t w, int64_t oh, int64_t ow, float *out, int32_t *arg) {
    // Index of the even value in each lane of every_other's order (outputs 0, 1, 4, 5, 2, 3, 6, 7 of a step).
    const __m256i lane_even = _mm256_setr_epi32(0, 2, 8, 10, 4, 6, 12, 14);
    for (int64_t y = 0; y < oh; y++) {
        const float *r0 = plane + 2 * y * w, *r1 = r0 + w;
        float *o = out + y * ow;
        for (int64_t x0 = 0; x0 < ow; x0 += 8) {
            const int64_t x = x0 + 8 <= ow ? x0 : ow - 8;  // the last step overlaps the one before
            if (!arg) {
                _mm256_storeu_ps(o + x, windows8(r0 + 2 * x, r1 + 2 * x));
                continue;
            }
            const __m256i even = _mm256_add_epi32(lane_even, _mm256_set1_epi32((int32_t)(2 * y * w + 2 * x)));
            __m256i at;
            _mm256_storeu_ps(o + x, windows8_at(r0 + 2 * x, r1 + 2 * x, even, (int32_t)w, &at));
            _mm256_storeu_si256((__m256i *)(arg + y * ow + x), at);
        }
    }
}

/// across[k] = the first maximum of the pair p[2k], p[2k + 1] for k < n / 2 (n even, at least 16), 8 pairs per
/// step, the last step overlapping the one before; the SHORT_SLACK values after them are zeros.
AVX2 static void pairs_across8(const float *restrict p, int64_t n, float *restrict across) {
    for (int64_t k0 = 0; k0 < n / 2; k0 += 8) {
        const int64_t k = k0 + 8 <= n / 2 ? k0 : n / 2 - 8;
        _mm256_storeu_ps(across + k, in_order(fold8(every_other(p + 2 * k, 0), every_other(p + 2 * k, 1), 1)));
    }
    _mm256_storeu_ps(across + n / 2, _mm256_setzero_ps());
}

/// Rows of fewer than 8 outputs: pairs across the rows read, then each output row from its two rows of pairs.
AVX2 static void pool_short_rows(const float *plane, int64_t w, int64_t oh, int64_t ow, float *out) {
    const int64_t half = w / 2;  // pairs per input row: rows of an even width never split a pair
    float across[2 * oh * half + SHORT_SLACK];
    pairs_across8(plane, 2 * oh * w, across);
    for (int64_t y = 0; y < oh; y++) {
        const float *top = across + 2 * y * half;
        const __m256 v = fold8(_mm256_loadu_ps(top), _mm256_loadu_ps(top + half), 1);
        // A row's vector spills into the next rows' places, which they then rewrite, never past the plane's end.
        store_first(out + y * ow, v, (oh - y) * ow);
    }
}
int prune_maxpool2x2_values_avx2(const float *plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh,
                                 int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                                 float *out) {
    if (!prune_maxpool2x2_avx2_applies(h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw)) return 0;
    if (ow >= 8) pool_long_rows(plane, w, oh, ow, out, NULL);
    else pool_short_rows(plane, w, oh, ow, out);
    return 1;
}

int prune_maxpool2x2_winners_avx2(const float *plane, int64_t w, int64_t oh, int64_t ow, float *out, int32_t *arg) {
    if (!long_rows(2 * oh, w, oh, ow) || !__builtin_cpu_supports("avx2")) return 0;
    pool_long_rows(plane, w, oh, ow, out, arg);
    return 1;
}
#else
int prune_maxpool2x2_avx2_applies(int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh, int64_t kw,
                                  int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw) {
    return 0;
}

int prune_maxpool2x2_values_avx2(const float *plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh,
                                 int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                                 float *out) {
    return 0;
}

int prune_maxpool2x2_winners_avx2(const float *plane, int64_t w, int64_t oh, int64_t ow, float *out, int32_t *arg) {
    return 0;
}
#endif
