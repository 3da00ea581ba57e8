// Max pooling 2×2 at stride 2 without padding in AVX2 (pool2x2_avx2.c), for maxpool.c and pool_lanes.c.
#ifndef PRUNE_POOL2X2_H
#define PRUNE_POOL2X2_H
#include <stdint.h>

/// Whether prune_maxpool2x2_avx2 runs an h×w plane pooled into oh×ow: windows 2×2 at stride 2, no padding, no
/// dilation, every window inside the plane (2·oh ≤ h, 2·ow ≤ w), rows of at least 8 outputs, a CPU with AVX2.
int prune_maxpool2x2_avx2_applies(int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh, int64_t kw,
                                  int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw);

/// The first maximum of each 2×2 window in reading order (a NaN wins and stays) into out, and when `arg` is not
/// NULL the winner's flat index in the plane; the caller checked prune_maxpool2x2_avx2_applies.
void prune_maxpool2x2_avx2(const float *plane, int64_t w, int64_t oh, int64_t ow, float *out, int32_t *arg);

/// Whether prune_maxpool2x2_short_avx2 runs the plane: the same windows over rows of fewer than 8 outputs and an
/// even width, at most 4,096 values in the rows read, a CPU with AVX2.
int prune_maxpool2x2_short_avx2_applies(int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh, int64_t kw,
                                        int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw);

/// The first maximum of each window (no winners' indices) for short rows: the pairs across the rows read in one
/// flat pass (a pair never straddles two rows of an even width), then each output row from its two rows.
void prune_maxpool2x2_short_avx2(const float *plane, int64_t w, int64_t oh, int64_t ow, float *out);
#endif
