// See prune_dense_kernels.h: softmax rows and the logistic sigmoid through one vectorizable exp.
#include "prune_dense_kernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "clones.h"

// e^x for x <= 0 (and NaN), written so the compiler vectorizes it: x = n·ln2 + r with |r| <= ln2/2,
// e^r by its Taylor series to degree 7 (truncation below 6e-9 relative, under half an ulp), times 2^n
// built in the exponent bits. Below -87.3 the result would be subnormal and is flushed to 0
// (those terms are below 1e-38 of a softmax's largest); -inf gives 0, a NaN stays NaN.
static inline float exp_nonpositive(float x) {
    const float ln2_hi = 0.693145751953125f, ln2_lo = 1.428606765330187e-06f;
    const float clamped = x < -87.3f ? -87.3f : x;
    const float n = __builtin_roundevenf(clamped * 1.4426950408889634f);
    const float r = (clamped - n * ln2_hi) - n * ln2_lo;
    float p = 1.0f / 5040.0f;
    p = p * r + 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    const float e = p * scale;
    return x != x ? x : (x < -87.3f ? 0.0f : e);
}

PRUNE_CLONES
void prune_softmax_rows_f32(const float *restrict x, float *restrict y, int64_t rows, int64_t len, int32_t log) {
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * len;
        float *yr = y + r * len;
        float m = -INFINITY;
        for (int64_t k = 0; k < len; k++) m = xr[k] > m ? xr[k] : m;
        for (int64_t k = 0; k < len; k++) m = xr[k] != xr[k] ? xr[k] : m;  // a NaN in the row poisons it
        if (m == -INFINITY) m = 0;  // all −∞: every exp is 0 and the row becomes NaN, as 0/0
        float lane[16] = {0};
        int64_t k = 0;
        for (; k + 16 <= len; k += 16)
            for (int j = 0; j < 16; j++) {
                const float e = exp_nonpositive(xr[k + j] - m);
                yr[k + j] = e;
                lane[j] += e;
            }
        for (int j = 0; k < len; k++, j++) {
            const float e = exp_nonpositive(xr[k] - m);
            yr[k] = e;
            lane[j] += e;
        }
        float s = 0;
        for (int j = 0; j < 16; j++) s += lane[j];
        if (log) {
            const float shift = m + logf(s);
            for (int64_t i = 0; i < len; i++) yr[i] = xr[i] - shift;
        } else {
            const float inv = 1.0f / s;
            for (int64_t i = 0; i < len; i++) yr[i] *= inv;
        }
    }
}

PRUNE_CLONES
void prune_sigmoid_f32(const float *restrict x, float *restrict y, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float v = x[i];
        const float e = exp_nonpositive(v > 0 ? -v : v);
        const float d = 1.0f / (1.0f + e);
        y[i] = v != v ? v : (v >= 0 ? d : e * d);
    }
}
