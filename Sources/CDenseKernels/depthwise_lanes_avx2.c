// Depthwise convolution of small planes with 8 channels in the lanes of one AVX2 vector: the kernels of
// depthwise_lanes_avx512.c at half the width (8×8 transposes in registers). Each output is the bias plus
// the taps in (i, j) order, each tap's product rounded before it is added — the same operations in the same
// order as the row-vector path of depthwise.c in its AVX2 build (which has no fused multiply-add), so both
// give the same bits.
#include "depthwise_lanes.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2")))
#include "transpose8.h"

enum { LANES = 8, RUN = 8 };

/// The 8 planes from x into T's inside (its zero border never written).
static AVX2 void fill_lanes(const lane_buffers *b, const float *x) {
    const prune_plane_window g = b->g;
    planes_into_lanes8(x, (long)g.h, (long)g.wd, (long)(g.h * g.wd), b->t, (long)b->wp, (long)g.ph, (long)g.pw);
}

/// RUN outputs of row oy from column ox0: the bias, then each tap's weights times T.
static AVX2 inline __attribute__((always_inline)) void
run_of_outputs(const lane_buffers *b, int64_t oy, int64_t ox0, int64_t count) {
    const prune_plane_window g = b->g;
    const float *bias = b->wv + g.kh * g.kw * LANES;
    __m256 acc[RUN];
    for (int q = 0; q < RUN; q++) acc[q] = _mm256_load_ps(bias);
    for (int64_t i = 0; i < g.kh; i++) {
        const float *row = b->t + (oy * g.sh + i) * b->wp * LANES;
        for (int64_t j = 0; j < g.kw; j++) {
            const __m256 w = _mm256_load_ps(b->wv + (i * g.kw + j) * LANES);
            const float *at = row + (ox0 * g.sw + j) * LANES;
            for (int q = 0; q < RUN; q++)
                if (q < count) acc[q] = _mm256_add_ps(acc[q], _mm256_mul_ps(w, _mm256_load_ps(at + q * g.sw * LANES)));
        }
    }
    float *dst = b->out + (oy * g.ow + ox0) * LANES;
    for (int q = 0; q < RUN; q++)
        if (q < count) _mm256_store_ps(dst + q * LANES, acc[q]);
}

/// The last `count` (1 … RUN − 1) outputs of row oy from column ox0, the count a constant in each case: a
/// count read in the loop was tested at every tap of every output (a 7-wide row is all tail).
static AVX2 void tail_of_outputs(const lane_buffers *b, int64_t oy, int64_t ox0, int64_t count) {
    switch (count) {
    case 1: run_of_outputs(b, oy, ox0, 1); break;
    case 2: run_of_outputs(b, oy, ox0, 2); break;
    case 3: run_of_outputs(b, oy, ox0, 3); break;
    case 4: run_of_outputs(b, oy, ox0, 4); break;
    case 5: run_of_outputs(b, oy, ox0, 5); break;
    case 6: run_of_outputs(b, oy, ox0, 6); break;
    default: run_of_outputs(b, oy, ox0, 7); break;
    }
}

/// Every output of the 8 planes into b->out, then back into the planes at y.
static AVX2 void filter_lanes(const lane_buffers *b, float *y) {
    const prune_plane_window g = b->g;
    for (int64_t oy = 0; oy < g.oh; oy++) {
        int64_t ox = 0;
        for (; ox + RUN <= g.ow; ox += RUN) run_of_outputs(b, oy, ox, RUN);
        if (ox < g.ow) tail_of_outputs(b, oy, ox, g.ow - ox);
    }
    const int64_t outputs = g.oh * g.ow;
    for (int64_t q0 = 0; q0 < outputs; q0 += LANES) {
        const int n = (int)(outputs - q0 < LANES ? outputs - q0 : LANES);
        transpose8(b->out + q0 * LANES, LANES, n, y + q0, (long)outputs, n);
    }
}

const lane_kernels prune_depthwise_lanes_avx2 = { LANES, fill_lanes, filter_lanes };
#endif
