// Depthwise convolution, one plane at a time. See prune_dense_kernels.h.
#include "prune_dense_kernels.h"
#include <stdlib.h>
#include <string.h>

#include "clones.h"

// The first output index whose input x·s + d is ≥ 0, and the end of those with input < extent.
static inline void valid_range(int64_t d, int64_t s, int64_t extent, int64_t outputs, int64_t *lo, int64_t *hi) {
    int64_t a = d >= 0 ? 0 : (-d + s - 1) / s;
    int64_t b = extent - d <= 0 ? 0 : (extent - d - 1) / s + 1;
    *lo = a < outputs ? a : outputs;
    *hi = b < outputs ? b : outputs;
    if (*hi < *lo) *hi = *lo;
}

// Dilation 1, any stride s: the zero-padded plane is split into s_h·s_w phase planes (phase (a, b) holds
// the padded positions (r·s_h + a, c·s_w + b)), each hq × wq. Output (oy, ox) under tap (i, j) reads phase
// (i mod s_h, j mod s_w) at (oy + i/s_h, ox + j/s_w), so every tap adds w·(a shifted phase plane) to an
// oh × wq accumulator in one long contiguous loop; the columns past ow are discarded. Returns 0 when the
// buffers cannot be allocated.
PRUNE_CLONES
static int depthwise_phased(const float *restrict x, int64_t h, int64_t wd, const float *restrict w, int64_t kh,
                            int64_t kw, float bias, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t oh,
                            int64_t ow, float *restrict y) {
    const int64_t hq = (h + 2 * ph + sh - 1) / sh, wq = (wd + 2 * pw + sw - 1) / sw, plane = hq * wq;
    const int64_t span = oh * wq, slack = wq + kw;
    float *phases = malloc((size_t)(sh * sw * plane + slack) * sizeof(float));
    float *acc = malloc((size_t)span * sizeof(float));
    if (!phases || !acc) { free(phases); free(acc); return 0; }
    for (int64_t a = 0; a < sh; a++)
        for (int64_t b = 0; b < sw; b++) {
            float *q = phases + (a * sw + b) * plane;
            int64_t c0, c1;  // the columns whose input ix = c·sw + b − pw falls inside the plane
            valid_range(b - pw, sw, wd, wq, &c0, &c1);
            for (int64_t r = 0; r < hq; r++) {
                const int64_t iy = r * sh + a - ph;
                float *row = q + r * wq;
                if (iy < 0 || iy >= h) { memset(row, 0, (size_t)wq * sizeof(float)); continue; }
                const float *src = x + iy * wd + b - pw;
                for (int64_t c = 0; c < c0; c++) row[c] = 0.0f;
                if (sw == 1) {
                    for (int64_t c = c0; c < c1; c++) row[c] = src[c];
                } else {
                    for (int64_t c = c0; c < c1; c++) row[c] = src[c * sw];
                }
                for (int64_t c = c1; c < wq; c++) row[c] = 0.0f;
            }
        }
    for (int64_t k = 0; k < slack; k++) phases[sh * sw * plane + k] = 0.0f;
    for (int64_t k = 0; k < span; k++) acc[k] = bias;
    for (int64_t i = 0; i < kh; i++)
        for (int64_t j = 0; j < kw; j++) {
            const float wv = w[i * kw + j];
            const float *src = phases + ((i % sh) * sw + j % sw) * plane + (i / sh) * wq + j / sw;
            for (int64_t k = 0; k < span; k++) acc[k] += wv * src[k];
        }
    for (int64_t r = 0; r < oh; r++) memcpy(y + r * ow, acc + r * wq, (size_t)ow * sizeof(float));
    free(phases);
    free(acc);
    return 1;
}

PRUNE_CLONES
void prune_depthwise_plane_f32(const float *restrict x, int64_t h, int64_t wd, const float *restrict w, int64_t kh,
                               int64_t kw, float bias, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh,
                               int64_t dw, int64_t oh, int64_t ow, float *restrict y) {
    if (dh == 1 && dw == 1 && oh == (h + 2 * ph - kh) / sh + 1 && ow == (wd + 2 * pw - kw) / sw + 1 &&
        depthwise_phased(x, h, wd, w, kh, kw, bias, sh, sw, ph, pw, oh, ow, y)) return;
    for (int64_t i = 0; i < oh * ow; i++) y[i] = bias;
    for (int64_t i = 0; i < kh; i++) {
        int64_t ylo, yhi;
        valid_range(i * dh - ph, sh, h, oh, &ylo, &yhi);
        for (int64_t j = 0; j < kw; j++) {
            const float wv = w[i * kw + j];
            const int64_t dx = j * dw - pw;
            int64_t xlo, xhi;
            valid_range(dx, sw, wd, ow, &xlo, &xhi);
            for (int64_t oy = ylo; oy < yhi; oy++) {
                const float *src = x + (oy * sh + i * dh - ph) * wd + dx;
                float *dst = y + oy * ow;
                if (sw == 1) {
                    for (int64_t ox = xlo; ox < xhi; ox++) dst[ox] += wv * src[ox];
                } else {
                    for (int64_t ox = xlo; ox < xhi; ox++) dst[ox] += wv * src[ox * sw];
                }
            }
        }
    }
}
