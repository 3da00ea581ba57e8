// See prune_dense_kernels.h.
#include "prune_dense_kernels.h"

#include "clones.h"

PRUNE_CLONES
void prune_relu_f32(const float *restrict x, float *restrict y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = x[i] <= 0 ? 0.0f : x[i];
}

PRUNE_CLONES
void prune_relu_backward_f32(const float *restrict g, const float *restrict y, float *restrict dx, int64_t n) {
    for (int64_t i = 0; i < n; i++) dx[i] = y[i] > 0 ? g[i] : 0.0f;
}

PRUNE_CLONES
void prune_add_f32(float *restrict dst, const float *restrict src, int64_t n) {
    for (int64_t i = 0; i < n; i++) dst[i] += src[i];
}

// Whether v replaces the best so far: larger, or a NaN over a number.
static inline int wins(float v, float best) { return (v > best) | ((v != v) & (best == best)); }

PRUNE_CLONES
void prune_maxpool2x2_f32(const float *restrict plane, int64_t w, int64_t oh, int64_t ow, float *restrict out,
                          int32_t *restrict arg) {
    for (int64_t y = 0; y < oh; y++) {
        const float *r0 = plane + 2 * y * w, *r1 = r0 + w;
        const int32_t base = (int32_t)(2 * y * w);
        for (int64_t xo = 0; xo < ow; xo++) {
            const float a = r0[2 * xo], b = r0[2 * xo + 1], c = r1[2 * xo], d = r1[2 * xo + 1];
            const int32_t i0 = base + (int32_t)(2 * xo);
            float best = a;
            int32_t bi = i0;
            int t = wins(b, best);
            best = t ? b : best; bi = t ? i0 + 1 : bi;
            t = wins(c, best);
            best = t ? c : best; bi = t ? i0 + (int32_t)w : bi;
            t = wins(d, best);
            best = t ? d : best; bi = t ? i0 + (int32_t)w + 1 : bi;
            out[y * ow + xo] = best;
            arg[y * ow + xo] = bi;
        }
    }
}

PRUNE_CLONES
void prune_channel_affine_f32(const float *restrict x, const float *restrict scale, const float *restrict shift,
                              int64_t outer, int64_t channels, int64_t inner, float *restrict y) {
    for (int64_t o = 0; o < outer; o++)
        for (int64_t c = 0; c < channels; c++) {
            const float s = scale[c], t = shift[c];
            const float *xp = x + (o * channels + c) * inner;
            float *yp = y + (o * channels + c) * inner;
            for (int64_t i = 0; i < inner; i++) yp[i] = xp[i] * s + t;
        }
}

// Branch-free over runs of 1,024 (a random mask mispredicts half its branches); stops after a run that fails.
PRUNE_CLONES
int32_t prune_is_masked_f32(const float *restrict value, const float *restrict mask, int64_t n) {
    const uint32_t *v = (const uint32_t *)value, *m = (const uint32_t *)mask;
    for (int64_t start = 0; start < n; start += 1024) {
        const int64_t end = n - start < 1024 ? n : start + 1024;
        uint32_t bad = 0;
        for (int64_t i = start; i < end; i++) {
            const uint32_t keep = m[i] == 0x3f800000u, zero = (m[i] == 0) & ((v[i] & 0x7fffffffu) == 0);
            bad |= !(keep | zero);
        }
        if (bad) return 0;
    }
    return 1;
}
