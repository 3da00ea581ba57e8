// Layer normalization (Ba, Kiros & Hinton 2016) at inference as one fused pass per row instead of a chain
// of broadcast tensor operations: y = (x − mean)·(1/√(var + ε))·w + b over each row of n values. The sums
// are taken in 16 float lanes (lane_sums.h, shared with batchnorm.c), so the same inputs give the same bits.
#include "include/prune_dense_kernels.h"
#include "clones.h"
#include "lane_sums.h"
#include <math.h>

PRUNE_CLONES
void prune_layer_norm_rows_f32(const float *x, const float *w, const float *b, float *y, int64_t rows, int64_t n,
                               float epsilon) {
    for (int64_t r = 0; r < rows; r++) {
        const float *restrict xr = x + r * n;
        float *restrict yr = y + r * n;
        const float mean = prune_sum_f32(xr, n) / (float)n;
        const float squares = lane_dot(xr, NULL, n, mean);
        const float inv = 1.0f / sqrtf(squares / (float)n + epsilon);
        for (int64_t k = 0; k < n; k++) yr[k] = (xr[k] - mean) * inv * w[k] + b[k];
    }
}
