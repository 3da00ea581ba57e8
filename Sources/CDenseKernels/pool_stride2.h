// Pooling with windows 3 wide at stride 2 across in AVX2 (pool_stride2_avx2.c), for maxpool.c and avgpool.c.
#ifndef PRUNE_POOL_STRIDE2_H
#define PRUNE_POOL_STRIDE2_H
#include <stdint.h>

/// prune_maxpool_values_f32 for windows 3 wide at stride 2 across, without dilation, when the CPU has AVX2 and
/// the rows fit the kernel's buffers; returns 1 when it wrote `out`, 0 when it does not apply.
int prune_maxpool_stride2_avx2(const float *plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh,
                               int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                               float *out);

/// The same for prune_avgpool_f32 with the sums of its zero-bordered path (positions outside the plane add 0,
/// taps in j order, kernel rows in i order, then times scales[y·ow + x]).
int prune_avgpool_stride2_avx2(const float *plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh,
                               int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                               const float *scales, float *out);
#endif
