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
// in the same order as the row-vector path of depthwise.c (its AVX-512 build, which fuses each multiply-add),
// so both give the same bits.
#include "depthwise_lanes.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define AVX512 __attribute__((target("avx512f")))
#include "transpose16.h"

enum { LANES = 16, RUN = 8 };

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

const lane_kernels prune_depthwise_lanes_avx512 = { LANES, fill_lanes, filter_lanes };
#endif
