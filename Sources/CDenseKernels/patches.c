// Patch matrices (im2col and its adjoint) of stride-1, dilation-1 convolutions, and a sum.
// See prune_dense_kernels.h.
#include "prune_dense_kernels.h"

#include "clones.h"

static inline int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
static inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

PRUNE_CLONES
float prune_sum_f32(const float *restrict x, int64_t n) {
    float lane[16] = {0};
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int j = 0; j < 16; j++) lane[j] += x[i + j];
    for (int j = 0; i < n; i++, j++) lane[j] += x[i];
    float s = 0;
    for (int j = 0; j < 16; j++) s += lane[j];
    return s;
}

PRUNE_CLONES
void prune_im2col_unit(const float *restrict x, int64_t cg, int64_t h, int64_t w, int64_t kh, int64_t kw,
                       int64_t ph, int64_t pw, int64_t oh, int64_t ow, float *restrict cols, int64_t ld) {
    for (int64_t c = 0; c < cg; c++)
        for (int64_t i = 0; i < kh; i++)
            for (int64_t j = 0; j < kw; j++) {
                const float *plane = x + c * h * w;
                float *row = cols + ((c * kh + i) * kw + j) * ld;
                const int64_t dy = i - ph, dx = j - pw, lo = max64(0, -dx), hi = min64(ow, w - dx);
                for (int64_t y = max64(0, -dy); y < min64(oh, h - dy); y++) {
                    const float *src = plane + (y + dy) * w + dx;
                    float *dst = row + y * ow;
                    for (int64_t xo = lo; xo < hi; xo++) dst[xo] = src[xo];
                }
            }
}

PRUNE_CLONES
void prune_col2im_unit(const float *restrict cols, int64_t ld, int64_t cg, int64_t h, int64_t w, int64_t kh,
                       int64_t kw, int64_t ph, int64_t pw, int64_t oh, int64_t ow, float *restrict dx) {
    for (int64_t c = 0; c < cg; c++)
        for (int64_t i = 0; i < kh; i++)
            for (int64_t j = 0; j < kw; j++) {
                float *plane = dx + c * h * w;
                const float *row = cols + ((c * kh + i) * kw + j) * ld;
                const int64_t dy = i - ph, dxo = j - pw, lo = max64(0, -dxo), hi = min64(ow, w - dxo);
                for (int64_t y = max64(0, -dy); y < min64(oh, h - dy); y++) {
                    float *dst = plane + (y + dy) * w + dxo;
                    const float *src = row + y * ow;
                    for (int64_t xo = lo; xo < hi; xo++) dst[xo] += src[xo];
                }
            }
}
