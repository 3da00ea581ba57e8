// Depthwise convolution of small planes with 16 channels in the lanes of one AVX-512 vector (issue 18).
//
// On a 7×7 plane a depthwise filter is 49 outputs of 9 taps: too little to fill vectors along a row, and
// the per-plane work of the row-vector path (depthwise.c: a padded copy, blocks of 32 outputs, rows
// copied out) cost ~200–500 cycles a plane against ~40 of multiply-adds. Here 16 consecutive planes are
// turned into one zero-bordered buffer T[row][column][16] (16×16 transposes in registers), every output
// position is one vector of 16 planes that takes each tap as one multiply-add with a vector of the 16
// filters' weights (no broadcasts), and the outputs are turned back into planes.
//
// Each output is the bias plus the taps in (i, j) order, the padding's taps adding w·0 — the same operations
// in the same order as the row-vector path of depthwise.c, so both give the same bits.
#include "depthwise_lanes.h"
#include "bordered_plane.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define AVX512 __attribute__((target("avx512f")))
#include "transpose16.h"
#include "cpu_features.h"

enum { LANES = 16, RUN = 8 };

typedef struct {
    prune_plane_window g;
    int64_t hp, wp;       // T's extent: the plane with its leading pads and every window's last position
    float *t, *out, *wv;  // T, the outputs [oh·ow][16], the lane weights [kh·kw][16] then the lane biases
} lane_buffers;

/// The 16 planes from x into T's inside, one input row at a time (16 columns per transpose; the columns a
/// transpose writes past the row land in the border or the next row, which is written after, or in slack).
static AVX512 void fill_lanes(const lane_buffers *b, const float *x) {
    const prune_plane_window g = b->g;
    const int64_t plane = g.h * g.wd;
    for (int64_t r = 0; r < g.h; r++) {
        for (int64_t c0 = 0; c0 < g.wd; c0 += LANES) {
            const int64_t n = g.wd - c0 < LANES ? g.wd - c0 : LANES;
            transpose16_columns(x + r * g.wd + c0, (long)plane, LANES, (__mmask16)((1u << n) - 1),
                                b->t + ((r + g.ph) * b->wp + g.pw + c0) * LANES, LANES, 0xFFFF);
        }
    }
}

/// RUN outputs of row oy from column ox0: the bias, then each tap's weights times T.
static AVX512 inline __attribute__((always_inline)) void
run_of_outputs(const lane_buffers *b, int64_t oy, int64_t ox0, int64_t count) {
    const prune_plane_window g = b->g;
    const float *bias = b->wv + g.kh * g.kw * LANES;
    __m512 acc[RUN];
    for (int q = 0; q < RUN; q++) acc[q] = _mm512_load_ps(bias);
    for (int64_t i = 0; i < g.kh; i++) {
        const float *row = b->t + (oy * g.sh + i) * b->wp * LANES;
        for (int64_t j = 0; j < g.kw; j++) {
            const __m512 w = _mm512_load_ps(b->wv + (i * g.kw + j) * LANES);
            const float *at = row + (ox0 * g.sw + j) * LANES;
            for (int q = 0; q < RUN; q++)
                if (q < count) acc[q] = _mm512_fmadd_ps(w, _mm512_load_ps(at + q * g.sw * LANES), acc[q]);
        }
    }
    float *dst = b->out + (oy * g.ow + ox0) * LANES;
    for (int q = 0; q < RUN; q++)
        if (q < count) _mm512_store_ps(dst + q * LANES, acc[q]);
}

/// Every output of the 16 planes into b->out, then back into the planes at y.
static AVX512 void filter_lanes(const lane_buffers *b, float *y) {
    const prune_plane_window g = b->g;
    for (int64_t oy = 0; oy < g.oh; oy++) {
        int64_t ox = 0;
        for (; ox + RUN <= g.ow; ox += RUN) run_of_outputs(b, oy, ox, RUN);
        if (ox < g.ow) run_of_outputs(b, oy, ox, g.ow - ox);
    }
    const int64_t outputs = g.oh * g.ow;
    for (int64_t q0 = 0; q0 < outputs; q0 += LANES) {
        const int64_t n = outputs - q0 < LANES ? outputs - q0 : LANES;
        transpose16(b->out + q0 * LANES, LANES, (int)n, y + q0, (long)outputs, (__mmask16)((1u << n) - 1));
    }
}

/// The lane weights and biases of planes p0 … p0 + 15: lane l holds filter (p0 + l) mod channels.
static void lane_weights(const lane_buffers *b, int64_t p0, int64_t channels, const float *w, const float *bias) {
    const int64_t kk = b->g.kh * b->g.kw;
    for (int l = 0; l < LANES; l++) {
        const int64_t f = (p0 + l) % channels;
        for (int64_t t = 0; t < kk; t++) b->wv[t * LANES + l] = w[f * kk + t];
        b->wv[kk * LANES + l] = bias ? bias[f] : 0.0f;
    }
}

static int lanes_open(lane_buffers *b, prune_plane_window g) {
    b->g = g;
    b->hp = bordered_extent(g.h, g.ph, g.oh, g.sh, g.kh, 1);
    b->wp = bordered_extent(g.wd, g.pw, g.ow, g.sw, g.kw, 1);
    const size_t bytes = sizeof(float) * LANES;
    // T with slack for the last row's transposes, zeroed once: its border is never written after.
    b->t = aligned_alloc(64, bytes * (size_t)(b->hp * b->wp + LANES));
    b->out = aligned_alloc(64, bytes * (size_t)(g.oh * g.ow + LANES));
    b->wv = aligned_alloc(64, bytes * (size_t)(g.kh * g.kw + 1));
    if (b->t && b->out && b->wv) {
        memset(b->t, 0, bytes * (size_t)(b->hp * b->wp + LANES));
        return 1;
    }
    free(b->t);
    free(b->out);
    free(b->wv);
    return 0;
}

int64_t prune_depthwise_lanes(const float *x, int64_t first, int64_t count, int64_t channels, const float *w,
                              const float *bias, prune_plane_window g, float *y) {
    const int64_t groups = count / LANES;
    lane_buffers b;
    if (groups == 0 || g.oh * g.ow > DEPTHWISE_LANES_MAX_OUTPUTS || g.ow >= DEPTHWISE_LANES_MAX_WIDTH ||
        !prune_cpu_has_avx512() || !lanes_open(&b, g))
        return 0;
    const int64_t in_plane = g.h * g.wd, out_plane = g.oh * g.ow;
    for (int64_t k = 0; k < groups; k++) {
        const int64_t p0 = first + k * LANES;
        lane_weights(&b, p0, channels, w, bias);
        fill_lanes(&b, x + p0 * in_plane);
        filter_lanes(&b, y + p0 * out_plane);
    }
    free(b.t);
    free(b.out);
    free(b.wv);
    return groups * LANES;
}
#else
int64_t prune_depthwise_lanes(const float *x, int64_t first, int64_t count, int64_t channels, const float *w,
                              const float *bias, prune_plane_window g, float *y) {
    (void)x; (void)first; (void)count; (void)channels; (void)w; (void)bias; (void)g; (void)y;
    return 0;
}
#endif
