// Max pooling 2×2 at stride 2 without padding in AVX2 (pool2x2_avx2.c), for maxpool.c and pool_lanes.c.
#ifndef PRUNE_POOL2X2_H
#define PRUNE_POOL2X2_H
#include <stdint.h>

/// Whether prune_maxpool2x2_values_avx2 runs an h×w plane pooled into oh×ow: windows 2×2 at stride 2, no padding,
/// no dilation, every window inside the plane (2·oh ≤ h, 2·ow ≤ w), a CPU with AVX2, and rows of at least 8
/// outputs, or shorter rows of an even width with at most 4,096 values in the rows read.
int prune_maxpool2x2_avx2_applies(int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh, int64_t kw,
                                  int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw);

/// prune_maxpool_values_f32 for the windows above: the first maximum of each window in reading order (a NaN wins
/// and stays); returns 1 when it wrote `out`, 0 when it does not apply. Rows of 8 outputs or more are read in
/// place; shorter rows take the pairs across the rows read in one flat pass (a pair never straddles two rows of
/// an even width), then each output row from its two rows.
int prune_maxpool2x2_values_avx2(const float *plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh,
                                 int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                                 float *out);

/// prune_maxpool2x2_f32 (values and each winner's flat index in the plane) for rows of at least 8 outputs on a CPU
/// with AVX2; returns 1 when it wrote `out` and `arg`, 0 when it does not apply.
int prune_maxpool2x2_winners_avx2(const float *plane, int64_t w, int64_t oh, int64_t ow, float *out, int32_t *arg);
#endif
