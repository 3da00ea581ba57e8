// Depthwise convolution over a range of input planes. See prune_dense_kernels.h.
#include "prune_dense_kernels.h"
#include <stdlib.h>
#include <string.h>

#include "clones.h"

// Outputs accumulated together in registers: two AVX-512 vectors (two independent chains of products).
enum { DEPTHWISE_BLOCK = 32 };

// The first output index whose input x·s + d is ≥ 0, and the end of those with input < extent.
static inline void valid_range(int64_t d, int64_t s, int64_t extent, int64_t outputs, int64_t *lo, int64_t *hi) {
    int64_t a = d >= 0 ? 0 : (-d + s - 1) / s;
    int64_t b = extent - d <= 0 ? 0 : (extent - d - 1) / s + 1;
    *lo = a < outputs ? a : outputs;
    *hi = b < outputs ? b : outputs;
    if (*hi < *lo) *hi = *lo;
}

// Dilation 1, any stride s: the zero-padded plane split into s_h·s_w phase planes (phase (a, b) holds the
// padded positions (r·s_h + a, c·s_w + b)), each hq × wq. Output (oy, ox) under tap (i, j) reads phase
// (i mod s_h, j mod s_w) at (oy + i/s_h, ox + j/s_w), so every tap adds w·(a shifted phase plane) to an
// oh × wq accumulator, whose columns past ow are discarded.
typedef struct {
    prune_plane_window g;
    int64_t hq, wq, plane, span;  // span: oh·wq rounded up to whole blocks
    float *phases, *acc;
    int64_t *taps;  // where tap i·kw + j reads in the phase planes
} phased_buffers;

static void phased_close(phased_buffers *b) {
    free(b->phases);
    free(b->acc);
    free(b->taps);
}

// Allocates the phase planes (zeroed: the padding is never written after this) and the accumulator.
static int phased_open(phased_buffers *b, prune_plane_window g) {
    b->g = g;
    b->hq = (g.h + 2 * g.ph + g.sh - 1) / g.sh;
    b->wq = (g.wd + 2 * g.pw + g.sw - 1) / g.sw;
    b->plane = b->hq * b->wq;
    b->span = (g.oh * b->wq + DEPTHWISE_BLOCK - 1) / DEPTHWISE_BLOCK * DEPTHWISE_BLOCK;
    // Blocks past the last row read up to wq + kw + one block beyond the last phase plane.
    const int64_t values = g.sh * g.sw * b->plane + b->wq + g.kw + DEPTHWISE_BLOCK;
    b->phases = calloc((size_t)values, sizeof(float));
    b->acc = malloc((size_t)b->span * sizeof(float));
    b->taps = malloc((size_t)(g.kh * g.kw) * sizeof(int64_t));
    if (b->phases && b->acc && b->taps) {
        for (int64_t i = 0; i < g.kh; i++)
            for (int64_t j = 0; j < g.kw; j++)
                b->taps[i * g.kw + j] = ((i % g.sh) * g.sw + j % g.sw) * b->plane + (i / g.sh) * b->wq + j / g.sw;
        return 1;
    }
    phased_close(b);
    return 0;
}

// Writes the inside of plane x into the phase planes (their padding stays zero).
__attribute__((always_inline)) static inline void phased_fill(const phased_buffers *b, const float *restrict x) {
    const prune_plane_window g = b->g;
    for (int64_t a = 0; a < g.sh; a++)
        for (int64_t c = 0; c < g.sw; c++) {
            float *q = b->phases + (a * g.sw + c) * b->plane;
            int64_t c0, c1;  // the columns whose input ix = col·sw + c − pw falls inside the plane
            valid_range(c - g.pw, g.sw, g.wd, b->wq, &c0, &c1);
            for (int64_t r = 0; r < b->hq; r++) {
                const int64_t iy = r * g.sh + a - g.ph;
                if (iy < 0 || iy >= g.h) continue;
                const float *src = x + iy * g.wd + c - g.pw;
                float *restrict row = q + r * b->wq;
                if (g.sw == 1) memcpy(row + c0, src + c0, (size_t)(c1 - c0) * sizeof(float));
                else
                    for (int64_t col = c0; col < c1; col++) row[col] = src[col * g.sw];
            }
        }
}

// One filter over the filled phase planes into y: each block of outputs starts at the bias and adds the
// taps in (i, j) order in registers, then the rows are copied out.
__attribute__((always_inline)) static inline void
phased_filter(const phased_buffers *b, const float *restrict w, float bias, float *restrict y) {
    const prune_plane_window g = b->g;
    const int64_t taps = g.kh * g.kw;
    for (int64_t k = 0; k < b->span; k += DEPTHWISE_BLOCK) {
        float block[DEPTHWISE_BLOCK];
        for (int q = 0; q < DEPTHWISE_BLOCK; q++) block[q] = bias;
        for (int64_t t = 0; t < taps; t++) {
            const float wv = w[t];
            const float *restrict src = b->phases + b->taps[t] + k;
            for (int q = 0; q < DEPTHWISE_BLOCK; q++) block[q] += wv * src[q];
        }
        for (int q = 0; q < DEPTHWISE_BLOCK; q++) b->acc[k + q] = block[q];
    }
    for (int64_t r = 0; r < g.oh; r++) memcpy(y + r * g.ow, b->acc + r * b->wq, (size_t)g.ow * sizeof(float));
}

// Any geometry (dilation too): each tap adds w·x over the outputs whose input is inside the plane.
__attribute__((always_inline)) static inline void
direct_filter(const float *restrict x, prune_plane_window g, const float *restrict w, float bias, float *restrict y) {
    for (int64_t i = 0; i < g.oh * g.ow; i++) y[i] = bias;
    for (int64_t i = 0; i < g.kh; i++) {
        int64_t ylo, yhi;
        valid_range(i * g.dh - g.ph, g.sh, g.h, g.oh, &ylo, &yhi);
        for (int64_t j = 0; j < g.kw; j++) {
            const float wv = w[i * g.kw + j];
            const int64_t dx = j * g.dw - g.pw;
            int64_t xlo, xhi;
            valid_range(dx, g.sw, g.wd, g.ow, &xlo, &xhi);
            for (int64_t oy = ylo; oy < yhi; oy++) {
                const float *src = x + (oy * g.sh + i * g.dh - g.ph) * g.wd + dx;
                float *dst = y + oy * g.ow;
                if (g.sw == 1) {
                    for (int64_t ox = xlo; ox < xhi; ox++) dst[ox] += wv * src[ox];
                } else {
                    for (int64_t ox = xlo; ox < xhi; ox++) dst[ox] += wv * src[ox * g.sw];
                }
            }
        }
    }
}

PRUNE_CLONES
void prune_depthwise_f32(const float *restrict x, int64_t first, int64_t count, int64_t channels,
                         int64_t multiplier, const float *restrict w, const float *restrict bias, prune_plane_window g,
                         float *restrict y) {
    const int64_t kk = g.kh * g.kw, in_plane = g.h * g.wd, out_plane = g.oh * g.ow;
    phased_buffers b;
    const int phased = g.dh == 1 && g.dw == 1 && g.oh == (g.h + 2 * g.ph - g.kh) / g.sh + 1 &&
                       g.ow == (g.wd + 2 * g.pw - g.kw) / g.sw + 1 && phased_open(&b, g);
    for (int64_t p = first; p < first + count; p++) {
        const float *plane = x + p * in_plane;
        if (phased) phased_fill(&b, plane);
        for (int64_t m = 0; m < multiplier; m++) {
            const int64_t filter = (p % channels) * multiplier + m;
            const float bv = bias ? bias[filter] : 0.0f;
            float *out = y + (p * multiplier + m) * out_plane;
            if (phased) phased_filter(&b, w + filter * kk, bv, out);
            else direct_filter(plane, g, w + filter * kk, bv, out);
        }
    }
    if (phased) phased_close(&b);
}
