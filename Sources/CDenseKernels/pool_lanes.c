// Max and average pooling of small planes with 8 channels in the lanes of one AVX2 vector (issue 18), as
// depthwise_lanes_avx2.c does for depthwise convolutions: the planes of a 14×14 or 7×7 layer fill a vector
// only in part per row (7 of 8 lanes, then a masked edge at each end), so the per-plane kernels spent most of
// their time on edges; onnxruntime pools 8 channels per vector in its NCHWc layout. Here 8 planes are turned
// into one bordered buffer T[row][column][lane] (−∞ around for max pooling, 0 for average) by 8×8 transposes,
// every window is folded with whole vectors and no edge cases, and the outputs are turned back into planes.
//
// The folds are the bordered path's (bordered_plane.h): each position's fold over its kernel row (taps in j
// order), then the kernel rows' folds in i order, then times the output's scale for average pooling; max
// pooling keeps the first maximum in reading order, a NaN over a number. So the same bits as
// prune_avgpool_f32 and prune_maxpool_values_f32 wherever this applies.
#include "prune_dense_kernels.h"
#include "bordered_plane.h"
#include "pool2x2.h"

#include <math.h>
#include <stdlib.h>

enum { LANES = 8, POOL_LANES_MAX_OUTPUTS = 1024, POOL_LANES_MAX_WIDTH = 32 };

/// A group's buffers: T (hp × wp positions of LANES values), the across-folds (hp × ow), the
/// outputs (oh × ow).
typedef struct {
    prune_plane_window g;
    int64_t hp, wp;
    float *t, *across, *out;
} pool_buffers;

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
#include "pool_fold8.h"
#include "transpose8.h"

/// Whether prune_avgpool_f32 sums the single window of g in 16 lanes instead (other bits).
static int single_window(prune_plane_window g) {
    return g.oh == 1 && g.ow == 1 && g.ph == 0 && g.pw == 0 && g.dh == 1 && g.dw == 1 && g.kh <= g.h
        && g.kw <= g.wd;
}

/// The 8 planes at x into T's inside (the border keeps its fill).
static AVX2 void fill_lanes(const pool_buffers *b, const float *x) {
    const prune_plane_window g = b->g;
    planes_into_lanes8(x, (long)g.h, (long)g.wd, (long)(g.h * g.wd), b->t, (long)b->wp, (long)g.ph, (long)g.pw);
}

/// across[r][x] = the fold of T[r][x·sw + j·dw] over the taps j in order, for every row r of T.
AVX2 __attribute__((always_inline)) static inline void
across_folds(const float *restrict t, int64_t hp, int64_t wp, int64_t ow, int64_t kw, int64_t sw, int64_t dw,
             float *restrict across, const int is_max) {
    const int64_t step = sw * LANES, tap = dw * LANES;
    for (int64_t r = 0; r < hp; r++) {
        const float *restrict at = t + r * wp * LANES;
        float *restrict dst = across + r * ow * LANES;
        for (int64_t x = 0; x < ow; x++, at += step) {
            __m256 v = _mm256_load_ps(at);
            for (int64_t j = 1; j < kw; j++) v = fold8(v, _mm256_load_ps(at + j * tap), is_max);
            _mm256_store_ps(dst + x * LANES, v);
        }
    }
}

/// out[y][x] = the fold of across[y·sh + i·dh][x] over the kernel rows i in order, times scales[y·ow + x] for
/// average pooling.
AVX2 __attribute__((always_inline)) static inline void
down_folds(const float *restrict across, int64_t oh, int64_t ow, int64_t kh, int64_t sh, int64_t dh,
           const float *restrict scales, float *restrict out, const int is_max) {
    const int64_t row = ow * LANES, tap = dh * row;
    for (int64_t y = 0; y < oh; y++) {
        const float *restrict at = across + y * sh * row;
        float *restrict dst = out + y * row;
        for (int64_t x = 0; x < ow; x++) {
            const float *restrict p = at + x * LANES;
            __m256 v = _mm256_load_ps(p);
            for (int64_t i = 1; i < kh; i++) v = fold8(v, _mm256_load_ps(p + i * tap), is_max);
            if (!is_max) v = _mm256_mul_ps(v, _mm256_broadcast_ss(scales + y * ow + x));
            _mm256_store_ps(dst + x * LANES, v);
        }
    }
}

/// Every window of T folded into b->out (its kernel rows' across-folds, then those folded down).
AVX2 __attribute__((always_inline)) static inline void
fold_windows(const pool_buffers *b, const float *scales, const int is_max) {
    const prune_plane_window g = b->g;
    across_folds(b->t, b->hp, b->wp, g.ow, g.kw, g.sw, g.dw, b->across, is_max);
    down_folds(b->across, g.oh, g.ow, g.kh, g.sh, g.dh, scales, b->out, is_max);
}

static AVX2 void max_windows(const pool_buffers *b) { fold_windows(b, NULL, 1); }

static AVX2 void sum_windows(const pool_buffers *b, const float *scales) { fold_windows(b, scales, 0); }

/// b->out's outputs back into the 8 planes at y.
static AVX2 void empty_lanes(const pool_buffers *b, float *y) {
    const int64_t outputs = b->g.oh * b->g.ow;
    for (int64_t q0 = 0; q0 < outputs; q0 += LANES) {
        const int n = (int)(outputs - q0 < LANES ? outputs - q0 : LANES);
        transpose8(b->out + q0 * LANES, LANES, n, y + q0, (long)outputs, n);
    }
}

/// `positions` vectors of LANES floats, 64-byte aligned (the size rounded up to a multiple of 64, as
/// aligned_alloc asks).
static float *vectors(int64_t positions) {
    return aligned_alloc(64, ((size_t)positions * sizeof(float) * LANES + 63) / 64 * 64);
}

/// The buffers for window g, T filled with `fill`; 0 when memory is short.
static int pool_open(pool_buffers *b, prune_plane_window g, float fill) {
    b->g = g;
    b->hp = bordered_extent(g.h, g.ph, g.oh, g.sh, g.kh, g.dh);
    b->wp = bordered_extent(g.wd, g.pw, g.ow, g.sw, g.kw, g.dw);
    const size_t positions = (size_t)(b->hp * b->wp);
    b->t = vectors(b->hp * b->wp);
    b->across = vectors(b->hp * g.ow);
    b->out = vectors(g.oh * g.ow);
    if (b->t && b->across && b->out) {
        for (size_t q = 0; q < positions * LANES; q++) b->t[q] = fill;
        return 1;
    }
    free(b->t);
    free(b->across);
    free(b->out);
    return 0;
}

/// Average pooling at stride 1 across rows of 16 outputs or more stays with avgpool.c's bordered path, whose
/// flat loops fill their vectors there (3×3 over 128 planes of 28×28: 0.049 ms, here 0.054); max pooling 2×2 at
/// stride 2 without padding with pool2x2_avx2.c, which reads the planes in place (one core, min of 8 rounds:
/// 2,048 planes of 14×14 0.114 ms here, 0.072 there; 4,096 of 10×10 0.125 and 0.111).
int prune_pool_lanes_applies(prune_plane_window g, int is_max) {
    const int64_t hp = bordered_extent(g.h, g.ph, g.oh, g.sh, g.kh, g.dh);
    const int64_t wp = bordered_extent(g.wd, g.pw, g.ow, g.sw, g.kw, g.dw);
    return g.oh >= 1 && g.ow >= 1 && g.kh >= 1 && g.kw >= 1 && g.oh * g.ow <= POOL_LANES_MAX_OUTPUTS
        && g.ow < POOL_LANES_MAX_WIDTH && hp * wp <= PADDED_MAX && (is_max || !single_window(g))
        && (is_max || g.sw > 1 || g.ow < 16) && __builtin_cpu_supports("avx2")
        && !(is_max && prune_maxpool2x2_avx2_applies(g.h, g.wd, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.ph, g.pw, g.dh,
                                                     g.dw));
}

int64_t prune_pool_lanes_f32(const float *x, int64_t count, prune_plane_window g, int is_max, const float *scales,
                             float *y) {
    const int64_t groups = count / LANES;
    pool_buffers b;
    if (groups == 0 || !prune_pool_lanes_applies(g, is_max) || !pool_open(&b, g, is_max ? -INFINITY : 0.0f))
        return 0;
    const int64_t in_plane = g.h * g.wd, out_plane = g.oh * g.ow;
    for (int64_t k = 0; k < groups; k++) {
        fill_lanes(&b, x + k * LANES * in_plane);
        if (is_max) max_windows(&b);
        else sum_windows(&b, scales);
        empty_lanes(&b, y + k * LANES * out_plane);
    }
    free(b.t);
    free(b.across);
    free(b.out);
    return groups * LANES;
}
#else
int prune_pool_lanes_applies(prune_plane_window g, int is_max) {
    (void)g; (void)is_max;
    return 0;
}

int64_t prune_pool_lanes_f32(const float *x, int64_t count, prune_plane_window g, int is_max, const float *scales,
                             float *y) {
    (void)x; (void)count; (void)g; (void)is_max; (void)scales; (void)y;
    return 0;
}
#endif
