// Sums in 16 float lanes shared by the normalization kernels (batchnorm.c, layernorm.c): the same inputs
// give the same bits in every kernel that uses them.
#ifndef PRUNE_LANE_SUMS_H
#define PRUNE_LANE_SUMS_H
#include <stddef.h>
#include <stdint.h>
#include "clones.h"

/// Σ (x[i] − shift)·(y[i] − shift) over n values, or Σ (x[i] − shift)² when y is NULL.
PRUNE_CLONES
static float lane_dot(const float *restrict x, const float *restrict y, int64_t n, float shift) {
    float lane[16] = {0};
    int64_t i = 0;
    if (y) {
        for (; i + 16 <= n; i += 16)
            for (int j = 0; j < 16; j++) lane[j] += y[i + j] * (x[i + j] - shift);
        for (int j = 0; i < n; i++, j++) lane[j] += y[i] * (x[i] - shift);
    } else {
        for (; i + 16 <= n; i += 16)
            for (int j = 0; j < 16; j++) lane[j] += (x[i + j] - shift) * (x[i + j] - shift);
        for (int j = 0; i < n; i++, j++) lane[j] += (x[i] - shift) * (x[i] - shift);
    }
    float s = 0;
    for (int j = 0; j < 16; j++) s += lane[j];
    return s;
}

#endif
