// Depthwise convolution of small planes with 16 channels in the lanes of one vector (depthwise_lanes.c).
#ifndef PRUNE_DEPTHWISE_LANES_H
#define PRUNE_DEPTHWISE_LANES_H
#include "include/prune_dense_kernels.h"

/// Planes whose outputs number more than this, or whose output rows are this wide or wider, keep the
/// row-vector path (their rows fill vectors).
enum { DEPTHWISE_LANES_MAX_OUTPUTS = 1024, DEPTHWISE_LANES_MAX_WIDTH = 32 };

/// prune_depthwise_f32 with multiplier 1 and dilation 1 for planes [first, first + n) in whole groups of 16
/// (n = count rounded down to a multiple of 16), on an AVX-512 CPU and for small planes; returns n, or 0
/// when it does not apply (nothing written). The caller runs the rest.
int64_t prune_depthwise_lanes(const float *x, int64_t first, int64_t count, int64_t channels, const float *w,
                              const float *bias, prune_plane_window g, float *y);
#endif
