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

// n values from src to dst in vectors of 8, the last one overlapping the one before when n is not a multiple
// of 8 (a 10-wide row is two vector copies, not one and a scalar tail of two).
__attribute__((always_inline)) static inline void copy_short(float *restrict dst, const float *restrict src,
                                                             int64_t n) {
    if (n < 8) {
        for (int64_t k = 0; k < n; k++) dst[k] = src[k];
        return;
    }
    int64_t k = 0;
    for (; k + 8 <= n; k += 8)
        for (int j = 0; j < 8; j++) dst[k + j] = src[k + j];
    if (k < n)
        for (int j = 0; j < 8; j++) dst[n - 8 + j] = src[n - 8 + j];
}

// One tap's patch row when the output rows are as wide as the input's (a "same" padded convolution):
// output y reads input row y + dy shifted by dx, so the rows from y0 to y1 are one copy of consecutive input
// values (from the first row's first column inside to the last row's last), and each row's columns outside
// [lo, hi) — in the padding, some of them taken from the row next to it by the copy — are zeroed back: one
// long vectorized loop instead of a short one per output row (LeNet-5's 28-wide rows, a small CNN's 14).
__attribute__((always_inline)) static inline void
same_width_tap(const float *restrict src, float *restrict dst, int64_t w, int64_t y0, int64_t y1, int64_t lo,
               int64_t hi) {
    if (y1 <= y0 || hi <= lo) return;
    const int64_t first = y0 * w + lo, end = (y1 - 1) * w + hi;
    for (int64_t k = first; k < end; k++) dst[k] = src[k];
    for (int64_t y = y0; y < y1; y++) {
        for (int64_t xo = 0; xo < lo; xo++) dst[y * w + xo] = 0;
        for (int64_t xo = hi; xo < w; xo++) dst[y * w + xo] = 0;
    }
}

// Its rows are short (an output row, often 7 to 56 values): copied by the vectorized loop, not by a call to
// memcpy per row (what the compiler makes of the loop otherwise); the few zeros of each row not through memset.
PRUNE_CLONES __attribute__((no_builtin("memcpy", "memmove", "memset")))
void prune_im2col_unit(const float *restrict x, int64_t cg, int64_t h, int64_t w, int64_t kh, int64_t kw,
                       int64_t ph, int64_t pw, int64_t oh, int64_t ow, float *restrict cols, int64_t ld) {
    for (int64_t c = 0; c < cg; c++)
        for (int64_t i = 0; i < kh; i++)
            for (int64_t j = 0; j < kw; j++) {
                const float *plane = x + c * h * w;
                float *row = cols + ((c * kh + i) * kw + j) * ld;
                const int64_t dy = i - ph, dx = j - pw, lo = max64(0, -dx), hi = min64(ow, w - dx);
                const int64_t y0 = max64(0, -dy), y1 = min64(oh, h - dy);
                if (ow == w) {
                    same_width_tap(plane + dy * w + dx, row, w, y0, y1, lo, hi);
                    continue;
                }
                for (int64_t y = y0; y < y1; y++)
                    if (hi > lo) copy_short(row + y * ow + lo, plane + (y + dy) * w + dx + lo, hi - lo);
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

/// The first and one past the last output index o in [0, count) whose input o·stride + offset lies in [0, size).
static void valid_range(int64_t offset, int64_t stride, int64_t size, int64_t count, int64_t *lo, int64_t *hi) {
    int64_t first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
    int64_t last = size - offset <= 0 ? 0 : (size - offset - 1) / stride + 1;
    *lo = min64(first, count);
    *hi = max64(*lo, min64(last, count));
}

PRUNE_CLONES
void prune_im2col_general(const float *restrict x, int64_t cg, int64_t h, int64_t w, int64_t kh, int64_t kw,
                          int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw, int64_t oh,
                          int64_t ow, float *restrict cols, int64_t ld) {
    for (int64_t c = 0; c < cg; c++)
        for (int64_t i = 0; i < kh; i++)
            for (int64_t j = 0; j < kw; j++) {
                const float *plane = x + c * h * w;
                float *row = cols + ((c * kh + i) * kw + j) * ld;
                const int64_t dy = i * dh - ph, dx = j * dw - pw;
                int64_t ylo, yhi, xlo, xhi;
                valid_range(dy, sh, h, oh, &ylo, &yhi);
                valid_range(dx, sw, w, ow, &xlo, &xhi);
                for (int64_t y = ylo; y < yhi; y++) {
                    const float *src = plane + (y * sh + dy) * w + dx;
                    float *dst = row + y * ow;
                    for (int64_t xo = xlo; xo < xhi; xo++) dst[xo] = src[xo * sw];
                }
            }
}

PRUNE_CLONES
void prune_col2im_general(const float *restrict cols, int64_t ld, int64_t cg, int64_t h, int64_t w, int64_t kh,
                          int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                          int64_t oh, int64_t ow, float *restrict dx) {
    for (int64_t c = 0; c < cg; c++)
        for (int64_t i = 0; i < kh; i++)
            for (int64_t j = 0; j < kw; j++) {
                float *plane = dx + c * h * w;
                const float *row = cols + ((c * kh + i) * kw + j) * ld;
                const int64_t dy = i * dh - ph, dxo = j * dw - pw;
                int64_t ylo, yhi, xlo, xhi;
                valid_range(dy, sh, h, oh, &ylo, &yhi);
                valid_range(dxo, sw, w, ow, &xlo, &xhi);
                for (int64_t y = ylo; y < yhi; y++) {
                    float *dst = plane + (y * sh + dy) * w + dxo;
                    const float *src = row + y * ow;
                    for (int64_t xo = xlo; xo < xhi; xo++) dst[xo * sw] += src[xo];
                }
            }
}
