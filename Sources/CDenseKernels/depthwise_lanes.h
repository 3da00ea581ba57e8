// Depthwise convolution of small planes with one channel in each lane of a vector: 16 with AVX-512
// (depthwise_lanes_avx512.c), 8 with AVX2 (depthwise_lanes_avx2.c); depthwise_lanes.c chooses and drives.
#ifndef PRUNE_DEPTHWISE_LANES_H
#define PRUNE_DEPTHWISE_LANES_H
#include "include/prune_dense_kernels.h"

/// Planes whose outputs number more than this, or whose output rows are this wide or wider, keep the
/// row-vector path (their rows fill vectors).
enum { DEPTHWISE_LANES_MAX_OUTPUTS = 1024, DEPTHWISE_LANES_MAX_WIDTH = 32 };

/// prune_depthwise_f32 with multiplier 1 and dilation 1 for planes [first, first + n) in whole groups of the
/// CPU's lanes (n = count rounded down to a multiple of 16 with AVX-512, of 8 with AVX2), for small planes;
/// returns n, or 0 when it does not apply (nothing written). The caller runs the rest.
int64_t prune_depthwise_lanes(const float *x, int64_t first, int64_t count, int64_t channels, const float *w,
                              const float *bias, prune_plane_window g, float *y);

/// A group's buffers: T[row][column][lanes] (the planes with a zero border: hp × wp positions), the outputs
/// [oh·ow][lanes], the lane weights [kh·kw][lanes] then the lane biases.
typedef struct {
    prune_plane_window g;
    int64_t lanes, hp, wp;
    float *t, *out, *wv;
} lane_buffers;

/// One instruction set's kernels: `fill` turns the group's planes at x into T's inside, `filter` computes
/// every output into `out` and turns them back into the planes at y.
typedef struct {
    int64_t lanes;
    void (*fill)(const lane_buffers *b, const float *x);
    void (*filter)(const lane_buffers *b, float *y);
} lane_kernels;

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
extern const lane_kernels prune_depthwise_lanes_avx512, prune_depthwise_lanes_avx2;
#endif
#endif
