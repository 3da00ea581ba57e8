// See prune_dense_kernels.h.
#include "prune_dense_kernels.h"

#include <math.h>
#include <string.h>

#include "clones.h"
#include "bordered_plane.h"
#include "pool2x2.h"
#include "pool_stride2.h"
#include "pool_rows.h"
#include "row_phases.h"
#include "short_pair_rows.h"

// 2×2/2 with winners over short rows of an even width (short_pair_rows.h): pairs across the 2·oh rows read,
// then each output row from its two rows, into scratch rows copied out at the end.
__attribute__((always_inline)) static inline void
maxpool2x2_short(const float *restrict plane, int64_t oh, int64_t ow, float *restrict out, int32_t *restrict arg,
                 float *restrict across, int32_t *restrict at, float *restrict rows, int32_t *restrict rows_at) {
    pairs_across_at(plane, 2 * oh * ow, across, at);
    for (int64_t y = 0; y < oh; y++) {
        const int64_t top = 2 * y * ow, bottom = top + ow;
        fold_down_at(rows + y * ow, rows_at + y * ow, across + top, at + top, across + bottom, at + bottom, ow);
    }
    memcpy(out, rows, (size_t)(oh * ow) * sizeof(float));
    memcpy(arg, rows_at, (size_t)(oh * ow) * sizeof(int32_t));
}

PRUNE_CLONES
void prune_maxpool2x2_f32(const float *restrict plane, int64_t w, int64_t oh, int64_t ow, float *restrict out,
                          int32_t *restrict arg) {
    if (prune_maxpool2x2_winners_avx2(plane, w, oh, ow, out, arg)) return;
    if (w == 2 * ow && ow < SHORT_PAIR_ROW && oh > 0 && ow > 0 && 2 * oh * ow <= PADDED_MAX) {
        float across[2 * oh * ow + SHORT_PAIR_SLACK], rows[oh * ow + SHORT_PAIR_SLACK];
        int32_t at[2 * oh * ow + SHORT_PAIR_SLACK], rows_at[oh * ow + SHORT_PAIR_SLACK];
        maxpool2x2_short(plane, oh, ow, out, arg, across, at, rows, rows_at);
        return;
    }
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


// One kernel row's maxima folded into the output row: copied when it is the window's first row inside the
// plane, else each replaces the maximum so far where it wins (rows in i order: the first maximum in reading
// order).
__attribute__((always_inline)) static inline void
fold_line(float *restrict o, const float *restrict line, int64_t ow, int first) {
    if (first)
        for (int64_t x = 0; x < ow; x++) o[x] = line[x];
    else
        for (int64_t x = 0; x < ow; x++) o[x] = wins(line[x], o[x]) ? line[x] : o[x];
}

// Windows inside the plane (no padding, no dilation, none past the end): per output row, each kernel
// row's horizontal maxima for all outputs at once (a loop over outputs that vectorizes), folded into
// the row in order — the same first maximum in reading order as the general loop.
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
            fold_line(o, line, ow, i == 0);
        }
    }
}

// With padding, dilation or a stride: per output row, each kernel row inside the plane gives the horizontal
// maxima of all outputs at once, tap by tap over the outputs whose column is inside the plane (a
// column in the padding reads as −∞, which never wins over a value, so it is skipped), folded into
// the row in order. Both helpers are inlined into each clone of the entry point.
__attribute__((always_inline)) static inline void
maxpool_lines(const float *restrict plane, int64_t h, int64_t w, int64_t oh, int64_t ow,
              int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
              int64_t dh, int64_t dw, float *restrict out, float *restrict line, float *restrict phases,
              int64_t len) {
    for (int64_t y = 0; y < oh; y++) {
        float *restrict o = out + y * ow;
        int64_t lo_i, hi_i;
        rows_inside(y, sh, ph, dh, kh, h, &lo_i, &hi_i);
        for (int64_t i = lo_i; i < hi_i; i++) {
            const int64_t iy = y * sh - ph + i * dh;
            const int first = i == lo_i;
            const float *restrict row = plane + iy * w;
            if (sw > 1) row_phases(row, w, sw, phases, len);
            for (int64_t x = 0; x < ow; x++) line[x] = -INFINITY;
            for (int64_t j = 0; j < kw; j++) {
                const int64_t off = j * dw - pw;
                const int64_t lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
                int64_t hi = w - off <= 0 ? 0 : (w - off + sw - 1) / sw;
                if (hi > ow) hi = ow;
                // row[x·sw + off], read from its phase when strided.
                const float *restrict src = sw > 1 ? phases + phase_start(off, sw, len) : row + off;
                for (int64_t x = lo; x < hi; x++) {
                    const float v = src[x];
                    line[x] = wins(v, line[x]) ? v : line[x];
                }
            }
            fold_line(o, line, ow, first);
        }
        if (lo_i == hi_i) fill_lowest(o, ow);
    }
}

// Planes of up to PADDED_MAX values with their padding: the plane is copied once into a buffer with a
// border of −∞ as wide as every window needs, so every window lies inside; then each position's
// maximum over its kernel row (taps in j order) is one flat loop over the whole buffer (positions past a
// row's useful end are computed and never read), and the kernel rows are folded in i order — the same
// folds as the line kernels, in long loops instead of a short loop per output row.
__attribute__((always_inline)) static inline void
maxpool_padded(const float *restrict plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh, int64_t kw,
               int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw, float *restrict out,
               int64_t hp, int64_t wp, float *restrict padded, float *restrict across) {
    bordered_copy(plane, h, w, ph, pw, hp, wp, -INFINITY, padded);
    bordered_windows(padded, across, hp, wp, oh, ow, kh, kw, sh, sw, dh, dw, 1);
    for (int64_t y = 0; y < oh; y++) {
        const float *restrict v = padded + y * wp;
        float *restrict o = out + y * ow;
        if (sw == 1)
            for (int64_t x = 0; x < ow; x++) o[x] = v[x];
        else
            for (int64_t x = 0; x < ow; x++) o[x] = v[x * sw];
    }
}

// One kernel row's maxima at stride 2 for outputs [lo, hi), whose kw taps all lie inside the row: line[x] is
// the fold of row[2x + off + j] in j order (kw a constant in each caller, so the taps unroll and the loop over
// outputs vectorizes with paired loads).
__attribute__((always_inline)) static inline void
taps_stride2(const float *restrict row, int64_t off, int64_t lo, int64_t hi, const int kw, float *restrict line) {
    for (int64_t x = lo; x < hi; x++) {
        const float *p = row + 2 * x + off;
        float best = p[0];
        for (int j = 1; j < kw; j++) {
            const float v = p[j];
            best = wins(v, best) ? v : best;
        }
        line[x] = best;
    }
}

// The same for an output x whose window reaches into the padding: only the taps inside the row, in j order
// (−∞ when none is).
__attribute__((always_inline)) static inline float
edge_stride2(const float *restrict row, int64_t w, int64_t x, int64_t pw, const int kw) {
    float best = -INFINITY;
    int seen = 0;
    for (int j = 0; j < kw; j++) {
        const int64_t ix = 2 * x - pw + j;
        if (ix < 0 || ix >= w) continue;
        best = !seen | wins(row[ix], best) ? row[ix] : best;
        seen = 1;
    }
    return best;
}
// Stride 2 across without dilation (the 3×3/2 and 2×2/2 pooling of most CNNs), padded or not: per output row,
// each kernel row inside the plane gives the maxima of all outputs (the windows inside the row in one loop,
// the few reaching into the padding one by one), folded into the row in i order — the same folds in the same
// order as the bordered and line kernels, without copying the plane or folding positions no output reads.
__attribute__((always_inline)) static inline void
maxpool_stride2(const float *restrict plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh, const int kw,
                int64_t sh, int64_t ph, int64_t pw, int64_t dh, float *restrict out, float *restrict line) {
    int64_t lo = (pw + 1) / 2, hi = w - kw + pw < 0 ? 0 : (w - kw + pw) / 2 + 1;
    if (hi > ow) hi = ow;
    if (lo > hi) lo = hi;
    for (int64_t y = 0; y < oh; y++) {
        float *restrict o = out + y * ow;
        int64_t lo_i, hi_i;
        rows_inside(y, sh, ph, dh, kh, h, &lo_i, &hi_i);
        for (int64_t i = lo_i; i < hi_i; i++) {
            const int64_t iy = y * sh - ph + i * dh;
            const int first = i == lo_i;
            const float *restrict row = plane + iy * w;
            taps_stride2(row, -pw, lo, hi, kw, line);
            for (int64_t x = 0; x < lo; x++) line[x] = edge_stride2(row, w, x, pw, kw);
            for (int64_t x = hi; x < ow; x++) line[x] = edge_stride2(row, w, x, pw, kw);
            fold_line(o, line, ow, first);
        }
        if (lo_i == hi_i) fill_lowest(o, ow);
    }
}

// Windows two wide at stride 2 over short rows of an even width (short_pair_rows.h), any kernel height,
// vertical stride, padding and dilation: pairs across the whole plane, then each output row's kernel rows
// folded in i order into scratch rows copied out at the end.
__attribute__((always_inline)) static inline void
maxpool_short_pairs(const float *restrict plane, int64_t h, int64_t oh, int64_t ow, int64_t kh, int64_t sh,
                    int64_t ph, int64_t dh, float *restrict out, float *restrict across, float *restrict rows) {
    pairs_across(plane, h * ow, across);
    for (int64_t y = 0; y < oh; y++) {
        float *restrict o = rows + y * ow;
        int64_t lo_i, hi_i;
        rows_inside(y, sh, ph, dh, kh, h, &lo_i, &hi_i);
        for (int64_t i = lo_i; i < hi_i; i++) {
            const int64_t iy = y * sh - ph + i * dh;
            const int first = i == lo_i;
            fold_chunks(o, across + iy * ow, ow, first);
        }
        if (lo_i == hi_i) fill_lowest(o, ow);
    }
    memcpy(out, rows, (size_t)(oh * ow) * sizeof(float));
}

PRUNE_CLONES
void prune_maxpool_values_f32(const float *restrict plane, int64_t h, int64_t w, int64_t oh, int64_t ow,
                              int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                              int64_t dh, int64_t dw, float *restrict out) {
    if (prune_maxpool2x2_values_avx2(plane, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, out)) return;
    if (kw == 2 && sw == 2 && pw == 0 && dw == 1 && w == 2 * ow && ow < SHORT_PAIR_ROW && kh > 0 && oh > 0
        && h * ow <= PADDED_MAX && oh * ow <= PADDED_MAX) {
        float across[h * ow + SHORT_PAIR_SLACK], rows[oh * ow + SHORT_PAIR_SLACK];
        maxpool_short_pairs(plane, h, oh, ow, kh, sh, ph, dh, out, across, rows);
        return;
    }
    if (prune_maxpool_stride2_avx2(plane, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, out)) return;
    if (sw == 2 && dw == 1 && (kw == 2 || kw == 3) && kh > 0 && ow > 0 && ow <= 4096) {
        float line[ow];
        if (kw == 2) maxpool_stride2(plane, h, w, oh, ow, kh, 2, sh, ph, pw, dh, out, line);
        else maxpool_stride2(plane, h, w, oh, ow, kh, 3, sh, ph, pw, dh, out, line);
        return;
    }
    const int64_t hp = bordered_extent(h, ph, oh, sh, kh, dh), wp = bordered_extent(w, pw, ow, sw, kw, dw);
    if (oh > 0 && ow > 0 && kh > 0 && kw > 0 && hp * wp <= PADDED_MAX) {
        float padded[hp * wp], across[hp * wp];
        maxpool_padded(plane, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, out, hp, wp, padded, across);
        return;
    }
    if (ow > 0 && ow <= 4096 && w <= 16384 && sw <= 16 && kh > 0 && kw > 0) {
        const int64_t len = (w + sw - 1) / sw;
        float line[ow], phases[sw > 1 ? sw * len : 1];
        const int inside = ph == 0 && pw == 0 && dh == 1 && dw == 1 && (oh - 1) * sh + kh <= h && ow - 1 + kw <= w;
        if (sw == 1 && inside)
            maxpool_inside(plane, w, oh, ow, kh, kw, sh, sw, out, line);
        else maxpool_lines(plane, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, out, line, phases, len);
        return;
    }
    for (int64_t y = 0; y < oh; y++) {
        float *o = out + y * ow;
        int64_t lo_i, hi_i;
        rows_inside(y, sh, ph, dh, kh, h, &lo_i, &hi_i);
        for (int64_t i = lo_i; i < hi_i; i++) {
            const int64_t iy = y * sh - ph + i * dh;
            const int first = i == lo_i;
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
        }
        if (lo_i == hi_i) fill_lowest(o, ow);
    }
}
