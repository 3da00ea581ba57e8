// See prune_dense_kernels.h: softmax rows, the logistic sigmoid, GELU, Erf and tanh through one vectorizable
// exp.
#include "prune_dense_kernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "clones.h"

static const float ln2_hi = 0.693145751953125f, ln2_lo = 1.428606765330187e-06f, log2e = 1.4426950408889634f;

// e^r · 2^n for |r| <= ln2/2 and -126 <= n <= 127: e^r by its Taylor series to degree 7 (truncation below
// 6e-9 relative, under half an ulp), 2^n built in the exponent bits.
static inline float scaled_exp(float r, float n) {
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
    return p * scale;
}

// e^x for x <= 0 (and NaN), written so the compiler vectorizes it: x = n·ln2 + r with |r| <= ln2/2.
// Below -87.3 the result would be subnormal and is flushed to 0 (those terms are below 1e-38 of a
// softmax's largest); -inf gives 0, a NaN stays NaN.
static inline float exp_nonpositive(float x) {
    const float clamped = x < -87.3f ? -87.3f : x;
    const float n = __builtin_roundevenf(clamped * log2e);
    const float e = scaled_exp((clamped - n * ln2_hi) - n * ln2_lo, n);
    return x != x ? x : (x < -87.3f ? 0.0f : e);
}

// The largest of a row (a NaN in it poisons it: the last NaN is returned; all −∞ gives 0, so every exp is 0 and
// the row becomes NaN). The maxima run in 16 lanes side by side (one vector compare a step; a running maximum
// of one value is a chain of dependent compares, 45% of an attention's time over 78 keys; a row shorter than the
// lanes skips folding them): the largest value is the same in any order, and where zeros of both signs tie the
// sign taken changes no exp and no log-softmax.
__attribute__((always_inline)) static inline float row_max(const float *restrict xr, int64_t len) {
    enum { LANES = 16 };
    float lanes[LANES], m = -INFINITY;
    int nan = 0;
    for (int l = 0; l < LANES; l++) lanes[l] = -INFINITY;
    int64_t k = 0;
    for (; k + LANES <= len; k += LANES)
        for (int l = 0; l < LANES; l++) lanes[l] = xr[k + l] > lanes[l] ? xr[k + l] : lanes[l];
    for (; k < len; k++) m = xr[k] > m ? xr[k] : m;
    for (int l = 0; l < LANES && len >= LANES; l++) m = lanes[l] > m ? lanes[l] : m;
    for (k = 0; k < len; k++) nan |= xr[k] != xr[k];
    for (k = len - 1; nan && k >= 0; k--)
        if (xr[k] != xr[k]) return xr[k];
    return m == -INFINITY ? 0 : m;
}

// Rows shorter than 32 (attention over a few tokens) in blocks of 64: a row's exps would be a vector loop of no
// or one iteration and a scalar tail, and its sum would end in prune_sum_f32's 16 dependent additions. Here
// each row's x − max is written out, the exps run as one vector loop over the block, and the sums come from
// prune_row_sums_f32 (8 rows' final additions side by side): the same operations on the same values as the
// row by row path, so the same bits. Inlined, so each clone of the caller vectorizes it for its CPU.
__attribute__((always_inline)) static inline void
softmax_short_rows(const float *restrict x, float *restrict y, int64_t rows, int64_t len, int32_t log) {
    enum { BLOCK = 64 };
    float maxima[BLOCK], sums[BLOCK];
    for (int64_t r0 = 0; r0 < rows; r0 += BLOCK) {
        const int64_t count = rows - r0 < BLOCK ? rows - r0 : BLOCK, n = count * len;
        const float *xb = x + r0 * len;
        float *yb = y + r0 * len;
        for (int64_t r = 0; r < count; r++) {
            const float m = row_max(xb + r * len, len);
            maxima[r] = m;
            for (int64_t k = 0; k < len; k++) yb[r * len + k] = xb[r * len + k] - m;
        }
        for (int64_t i = 0; i < n; i++) yb[i] = exp_nonpositive(yb[i]);
        prune_row_sums_f32(yb, count, len, len, sums);
        for (int64_t r = 0; r < count && log; r++) {
            const float shift = maxima[r] + logf(sums[r]);
            for (int64_t k = 0; k < len; k++) yb[r * len + k] = xb[r * len + k] - shift;
        }
        for (int64_t r = 0; r < count && !log; r++) {
            const float inv = 1.0f / sums[r];
            for (int64_t k = 0; k < len; k++) yb[r * len + k] *= inv;
        }
    }
}

PRUNE_CLONES
void prune_softmax_rows_f32(const float *restrict x, float *restrict y, int64_t rows, int64_t len, int32_t log) {
    if (len < 32 && rows >= 8) {
        softmax_short_rows(x, y, rows, len, log);
        return;
    }
    for (int64_t r = 0; r < rows; r++) {
        const float *xr = x + r * len;
        float *yr = y + r * len;
        const float m = row_max(xr, len);
        for (int64_t k = 0; k < len; k++) yr[k] = exp_nonpositive(xr[k] - m);
        const float s = prune_sum_f32(yr, len);
        if (log) {
            const float shift = m + logf(s);
            for (int64_t i = 0; i < len; i++) yr[i] = xr[i] - shift;
        } else {
            const float inv = 1.0f / s;
            for (int64_t i = 0; i < len; i++) yr[i] *= inv;
        }
    }
}

// 1/(1 + e^−v) through e^−|v|, so nothing overflows; NaN stays NaN.
static inline float sigmoid_of(float v) {
    const float e = exp_nonpositive(v > 0 ? -v : v);
    const float d = 1.0f / (1.0f + e);
    return v != v ? v : (v >= 0 ? d : e * d);
}

PRUNE_CLONES
void prune_sigmoid_f32(const float *restrict x, float *restrict y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = sigmoid_of(x[i]);
}

// erfc(z) for z = ax/√2, ax >= 0, by the Chebyshev fit of Numerical Recipes (erfcc, Press et al. 1992, §6.2;
// fractional error below 1.2e-7): t·e^(P(t) − z²), t = 1/(1 + z/2). z² = ax²/2 is taken from ax (a
// rounded z would cost 5e-6 relative at z = 6) and reduced as ((−z² − n·ln2_hi) + P) − n·ln2_lo − δ with
// δ the rounding error of ax²/2 (an fma), so the exponent stays exact to an ulp of 1 where z² is large.
static inline float erfc_of_scaled(float ax) {
    const float z = ax * 0.70710678118654752f;
    const float t = 1.0f / (1.0f + 0.5f * z);
    float p = 0.17087277f;
    p = p * t - 0.82215223f;
    p = p * t + 1.48851587f;
    p = p * t - 1.13520398f;
    p = p * t + 0.27886807f;
    p = p * t - 0.18628806f;
    p = p * t + 0.09678418f;
    p = p * t + 0.37409196f;
    p = p * t + 1.00002368f;
    p = p * t - 1.26551223f;
    const float square = ax * ax, z2 = 0.5f * square, delta = 0.5f * fmaf(ax, ax, -square);
    const float a = p - z2, clamped = a < -87.3f ? -87.3f : a;
    const float n = __builtin_roundevenf(clamped * log2e);
    const float r = (((-z2 - n * ln2_hi) + p) - n * ln2_lo) - delta;
    const float e = t * scaled_exp(r, n);
    return ((a < -87.3f) | (z > 12.0f)) ? 0.0f : e;  // below 1e-38 (and no inf·0 at z = ∞)
}

PRUNE_CLONES_FMA
void prune_gelu_f32(const float *restrict x, float *restrict y, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float v = x[i];
        const float c = erfc_of_scaled(v < 0 ? -v : v);
        y[i] = 0.5f * v * (v >= 0 ? 2.0f - c : c);  // x·Φ(x) = x·erfc(−x/√2)/2
    }
}

PRUNE_CLONES_FMA
void prune_erf_f32(const float *restrict x, float *restrict y, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float v = x[i], a = v < 0 ? -v : v, s = v * v;
        // |x| < 1/2: the Maclaurin series 2/√π·Σ (−1)^k x^(2k+1) / (k!(2k+1)) to x^15 (next term < 3e-11).
        float p = -1.0f / 75600.0f;
        p = p * s + 1.0f / 9360.0f;
        p = p * s - 1.0f / 1320.0f;
        p = p * s + 1.0f / 216.0f;
        p = p * s - 1.0f / 42.0f;
        p = p * s + 1.0f / 10.0f;
        p = p * s - 1.0f / 3.0f;
        p = p * s + 1.0f;
        const float small = 1.1283791670955126f * v * p;
        // Otherwise 1 − erfc(|x|), where erfc <= 0.48 so its error stays below 1e-7 of the result.
        const float large = 1.0f - erfc_of_scaled(a * 1.4142135623730951f);
        y[i] = v != v ? v : (a < 0.5f ? small : (v < 0 ? -large : large));
    }
}

// tanh(v): below |v| = 0.4 its Maclaurin series to v^15 (the next term is below 3e-10 of the result); above,
// (1 − e)/(1 + e) with e = e^(−2|v|) <= 0.45, where 1 − e loses less than one bit. ±∞ gives ±1 (e = 0).
static inline float tanh_of(float v) {
    const float a = v < 0 ? -v : v, s = v * v;
    float p = -929569.0f / 638512875.0f;
    p = p * s + 21844.0f / 6081075.0f;
    p = p * s - 1382.0f / 155925.0f;
    p = p * s + 62.0f / 2835.0f;
    p = p * s - 17.0f / 315.0f;
    p = p * s + 2.0f / 15.0f;
    p = p * s - 1.0f / 3.0f;
    p = p * s + 1.0f;
    const float e = exp_nonpositive(-2.0f * a), large = (1.0f - e) / (1.0f + e);
    return v != v ? v : (a < 0.4f ? v * p : (v < 0 ? -large : large));
}

PRUNE_CLONES
void prune_tanh_f32(const float *restrict x, float *restrict y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = tanh_of(x[i]);
}

// (1 + tanh u)/2 = σ(2u) = 1/(1 + e^−2u): one exp and one division, and no cancellation where u is very
// negative (there 1 + tanh u would keep only the tanh's absolute error).
PRUNE_CLONES
void prune_gelu_tanh_f32(const float *restrict x, float *restrict y, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float v = x[i], z = 1.5957691216057308f * (v + 0.044715f * (v * v * v));
        y[i] = v * sigmoid_of(z);
    }
}
