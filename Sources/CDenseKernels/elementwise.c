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

// In place, for epilogues fused into a layer's output: the same operations as prune_relu_f32 and
// prune_channel_affine_f32 (and as leakyRelu's x > 0 ? x : slope·x).
PRUNE_CLONES
void prune_relu_inplace_f32(float *restrict y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = y[i] <= 0 ? 0.0f : y[i];
}

PRUNE_CLONES
void prune_leaky_relu_inplace_f32(float *restrict y, float slope, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = y[i] > 0 ? y[i] : slope * y[i];
}

PRUNE_CLONES
void prune_affine_inplace_f32(float *restrict y, float scale, float shift, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = y[i] * scale + shift;
}

PRUNE_CLONES
void prune_scale_inplace_f32(float *restrict y, float scale, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] *= scale;
}

PRUNE_CLONES
void prune_shift_inplace_f32(float *restrict y, float shift, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] += shift;
}

PRUNE_CLONES
void prune_multiply_f32(float *restrict dst, const float *restrict src, int64_t n) {
    for (int64_t i = 0; i < n; i++) dst[i] *= src[i];
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

PRUNE_CLONES
void prune_square_f32(const float *restrict x, float *restrict y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = x[i] * x[i];
}

PRUNE_CLONES
void prune_cube_f32(const float *restrict x, float *restrict y, int64_t n) {
    for (int64_t i = 0; i < n; i++) y[i] = x[i] * x[i] * x[i];
}
