// Sixteen filters of one input plane at a time in AVX-512 (depthwise_group16_avx512.c), for depthwise.c's phase
// planes: a first layer over one channel (16–64 filters of 3×3 over a 28×28 digit or a 224×224 grey image).
#ifndef PRUNE_DEPTHWISE_GROUP16_H
#define PRUNE_DEPTHWISE_GROUP16_H
#include "include/prune_dense_kernels.h"

enum { DEPTHWISE_GROUP16 = 16 };

/// y[f·plane + r·ow + c] = bias[f] (0 when `bias` is NULL) + Σ_t w[f·count + t]·phases[taps[t] + r·wq + c], the
/// taps added in t order by fused multiply-adds, for the 16 filters f, r < oh, c < ow: the sums of depthwise.c's
/// group_blocks, bit for bit; then the steps of `e` when it is not NULL (its channel0 the first filter's channel,
/// its origin y's flat index in the output), as the sgemm's tiles apply them. Reads up to 15 values past each
/// row's last (the phase planes' slack). Needs AVX-512F (the caller asks); without it `e` must be NULL.
void prune_depthwise_group16(const float *phases, const int64_t *taps, int64_t count, int64_t wq, int64_t oh,
                             int64_t ow, const float *w, const float *bias, const prune_epilogue *e, float *y,
                             int64_t plane);
#endif
