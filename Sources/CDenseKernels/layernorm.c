// Layer normalization (Ba, Kiros & Hinton 2016) at inference as one fused pass per row instead of a chain
// of broadcast tensor operations: y = (x − mean)·(1/√(var + ε))·w + b over each row of n values. The sums
// are taken in 16 float lanes, as the other reductions here, so the same inputs give the same bits.
#include "include/prune_dense_kernels.h"
#include "clones.h"
#include <math.h>

PRUNE_CLONES
void prune_layer_norm_rows_f32(const float *x, const float *w, const float *b, float *y, int64_t rows, int64_t n,
                               float epsilon) {
    for (int64_t r = 0; r < rows; r++) {
        const float *restrict xr = x + r * n;
        float *restrict yr = y + r * n;
        const float mean = prune_sum_f32(xr, n) / (float)n;
        float lane[16] = {0};
        int64_t i = 0;
        for (; i + 16 <= n; i += 16)
            for (int j = 0; j < 16; j++) lane[j] += (xr[i + j] - mean) * (xr[i + j] - mean);
        for (int j = 0; i < n; i++, j++) lane[j] += (xr[i] - mean) * (xr[i] - mean);
        float squares = 0;
        for (int j = 0; j < 16; j++) squares += lane[j];
        const float inv = 1.0f / sqrtf(squares / (float)n + epsilon);
        for (int64_t k = 0; k < n; k++) yr[k] = (xr[k] - mean) * inv * w[k] + b[k];
    }
}
