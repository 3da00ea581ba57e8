// See prune_dense_kernels.h.
#include "prune_dense_kernels.h"

#include <math.h>

#include "clones.h"

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


// Windows inside the plane (no padding, no dilation): per output row, each kernel row's horizontal
// maxima for all outputs at once (a loop over outputs that vectorizes), folded into the row in order —
// the same first maximum in reading order as the general loop.
__attribute__((always_inline)) static inline void
maxpool_inside(const float *restrict plane, int64_t w, int64_t oh, int64_t ow, int64_t kh,
               int64_t kw, int64_t sh, int64_t sw, float *restrict out, float *restrict line) {
    for (int64_t y = 0; y < oh; y++) {
        float *restrict o = out + y * ow;
        for (int64_t i = 0; i < kh; i++) {
            const float *restrict row = plane + (y * sh + i) * w;
            for (int64_t x = 0; x < ow; x++) line[x] = row[x * sw];
            for (int64_t j = 1; j < kw; j++)
                for (int64_t x = 0; x < ow; x++) {
                    const float v = row[x * sw + j];
                    line[x] = wins(v, line[x]) ? v : line[x];
                }
            if (i == 0)
                for (int64_t x = 0; x < ow; x++) o[x] = line[x];
            else
                for (int64_t x = 0; x < ow; x++) o[x] = wins(line[x], o[x]) ? line[x] : o[x];
        }
    }
}

// With padding or dilation: per output row, each kernel row inside the plane gives the horizontal
// maxima of all outputs at once (columns in the padding read as −∞, which never wins over a value),
// folded into the row in order. Both helpers are inlined into each clone of the entry point.
__attribute__((always_inline)) static inline void
maxpool_lines(const float *restrict plane, int64_t h, int64_t w, int64_t oh, int64_t ow,
              int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
              int64_t dh, int64_t dw, float *restrict out, float *restrict line) {
    for (int64_t y = 0; y < oh; y++) {
        float *restrict o = out + y * ow;
        int first = 1;
        for (int64_t i = 0; i < kh; i++) {
            const int64_t iy = y * sh - ph + i * dh;
            if (iy < 0 || iy >= h) continue;
            const float *restrict row = plane + iy * w;
            for (int64_t x = 0; x < ow; x++) line[x] = -INFINITY;
            for (int64_t j = 0; j < kw; j++)
                for (int64_t x = 0; x < ow; x++) {
                    const int64_t ix = x * sw - pw + j * dw;
                    const int inside = (ix >= 0) & (ix < w);
                    const float v = inside ? row[inside ? ix : 0] : -INFINITY;
                    line[x] = wins(v, line[x]) ? v : line[x];
                }
            if (first)
                for (int64_t x = 0; x < ow; x++) o[x] = line[x];
            else
                for (int64_t x = 0; x < ow; x++) o[x] = wins(line[x], o[x]) ? line[x] : o[x];
            first = 0;
        }
        if (first)
            for (int64_t x = 0; x < ow; x++) o[x] = -INFINITY;
    }
}

PRUNE_CLONES
void prune_maxpool_values_f32(const float *restrict plane, int64_t h, int64_t w, int64_t oh, int64_t ow,
                              int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                              int64_t dh, int64_t dw, float *restrict out) {
    if (ow > 0 && ow <= 4096 && kh > 0 && kw > 0) {
        float line[ow];
        if (ph == 0 && pw == 0 && dh == 1 && dw == 1) maxpool_inside(plane, w, oh, ow, kh, kw, sh, sw, out, line);
        else maxpool_lines(plane, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, out, line);
        return;
    }
    for (int64_t y = 0; y < oh; y++) {
        float *o = out + y * ow;
        int first = 1;
        for (int64_t i = 0; i < kh; i++) {
            const int64_t iy = y * sh - ph + i * dh;
            if (iy < 0 || iy >= h) continue;
            const float *row = plane + iy * w;
            for (int64_t x = 0; x < ow; x++) {
                float best = first ? -INFINITY : o[x];
                int seen = !first;
                for (int64_t j = 0; j < kw; j++) {
                    const int64_t ix = x * sw - pw + j * dw;
                    if (ix < 0 || ix >= w) continue;
                    const float v = row[ix];
                    const int t = !seen | wins(v, best);
                    best = t ? v : best;
                    seen = 1;
                }
                o[x] = best;
            }
            first = 0;
        }
        if (first)
            for (int64_t x = 0; x < ow; x++) o[x] = -INFINITY;
    }
}
