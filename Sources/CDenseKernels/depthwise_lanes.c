// Depthwise convolution of small planes with one channel in each lane of a vector (issue 18): the group
// buffers and lane weights shared by the instruction sets' kernels (depthwise_lanes_avx512.c, 16 lanes;
// depthwise_lanes_avx2.c, 8), the choice between them and the loop over groups.
#include "depthwise_lanes.h"
#include "bordered_plane.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include "cpu_features.h"

/// The lane weights and biases of planes p0 … p0 + lanes − 1: lane l holds filter (p0 + l) mod channels.
static void lane_weights(const lane_buffers *b, int64_t p0, int64_t channels, const float *w, const float *bias) {
    const int64_t kk = b->g.kh * b->g.kw;
    for (int l = 0; l < b->lanes; l++) {
        const int64_t f = (p0 + l) % channels;
        for (int64_t t = 0; t < kk; t++) b->wv[t * b->lanes + l] = w[f * kk + t];
        b->wv[kk * b->lanes + l] = bias ? bias[f] : 0.0f;
    }
}

/// The buffers of a group of `lanes` planes for window g (T zeroed); 0 when memory is short.
static int lanes_open(lane_buffers *b, prune_plane_window g, int64_t lanes) {
    b->g = g;
    b->lanes = lanes;
    b->hp = bordered_extent(g.h, g.ph, g.oh, g.sh, g.kh, 1);
    b->wp = bordered_extent(g.wd, g.pw, g.ow, g.sw, g.kw, 1);
    const size_t bytes = sizeof(float) * b->lanes;
    // T with slack for the last row's transposes, zeroed once: its border is never written after.
    b->t = aligned_alloc(64, bytes * (size_t)(b->hp * b->wp + b->lanes));
    b->out = aligned_alloc(64, bytes * (size_t)(g.oh * g.ow + b->lanes));
    b->wv = aligned_alloc(64, bytes * (size_t)(g.kh * g.kw + 1));
    if (b->t && b->out && b->wv) {
        memset(b->t, 0, bytes * (size_t)(b->hp * b->wp + b->lanes));
        return 1;
    }
    free(b->t);
    free(b->out);
    free(b->wv);
    return 0;
}

/// The kernels for this CPU: AVX-512's 16 lanes, else AVX2's 8 (whose multiply and add round apart, as
/// depthwise.c's AVX2 build does), else none.
static const lane_kernels *lane_kernels_here(void) {
    if (prune_cpu_has_avx512()) return &prune_depthwise_lanes_avx512;
    return __builtin_cpu_supports("avx2") ? &prune_depthwise_lanes_avx2 : NULL;
}

int64_t prune_depthwise_lanes(const float *x, int64_t first, int64_t count, int64_t channels, const float *w,
                              const float *bias, prune_plane_window g, float *y) {
    const lane_kernels *kernels = lane_kernels_here();
    const int64_t groups = kernels ? count / kernels->lanes : 0;
    lane_buffers b;
    if (groups == 0 || g.oh * g.ow > DEPTHWISE_LANES_MAX_OUTPUTS || g.ow >= DEPTHWISE_LANES_MAX_WIDTH ||
        !lanes_open(&b, g, kernels->lanes))
        return 0;
    const int64_t in_plane = g.h * g.wd, out_plane = g.oh * g.ow;
    for (int64_t k = 0; k < groups; k++) {
        const int64_t p0 = first + k * b.lanes;
        lane_weights(&b, p0, channels, w, bias);
        kernels->fill(&b, x + p0 * in_plane);
        kernels->filter(&b, y + p0 * out_plane);
    }
    free(b.t);
    free(b.out);
    free(b.wv);
    return groups * b.lanes;
}
#else
int64_t prune_depthwise_lanes(const float *x, int64_t first, int64_t count, int64_t channels, const float *w,
                              const float *bias, prune_plane_window g, float *y) {
    (void)x; (void)first; (void)count; (void)channels; (void)w; (void)bias; (void)g; (void)y;
    return 0;
}
#endif
