// See prune_dense_kernels.h.
#include "prune_dense_kernels.h"

#include "clones.h"
#include "bordered_plane.h"
#include "pool_stride2.h"
#include "row_phases.h"
#include <stddef.h>

// Per output row, each kernel row inside the plane adds its values to all outputs at once, window
// offset by window offset in (i, j) order (a loop over outputs that vectorizes); the outputs whose
// column falls in the padding are skipped, as a padded zero would add nothing. A strided row is read
// from its phases (when given).
__attribute__((always_inline)) static inline void
avgpool_rows(const float *restrict plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh, int64_t kw,
             int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw, const float *restrict scales,
             float *restrict out, float *restrict phases, int64_t len) {
    for (int64_t y = 0; y < oh; y++) {
        float *restrict o = out + y * ow;
        for (int64_t x = 0; x < ow; x++) o[x] = 0;
        for (int64_t i = 0; i < kh; i++) {
            const int64_t iy = y * sh - ph + i * dh;
            if (iy < 0 || iy >= h) continue;
            const float *restrict row = plane + iy * w;
            if (phases) row_phases(row, w, sw, phases, len);
            for (int64_t j = 0; j < kw; j++) {
                const int64_t off = j * dw - pw;
                const int64_t lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
                int64_t hi = w - off <= 0 ? 0 : (w - off + sw - 1) / sw;
                if (hi > ow) hi = ow;
                if (phases) {   // row[x·sw + off], read from its phase
                    const float *restrict src = phases + phase_start(off, sw, len);
                    for (int64_t x = lo; x < hi; x++) o[x] += src[x];
                } else {
                    for (int64_t x = lo; x < hi; x++) o[x] += row[x * sw + off];
                }
            }
        }
        const float *restrict s = scales + y * ow;
        for (int64_t x = 0; x < ow; x++) o[x] *= s[x];
    }
}

// Planes of up to PADDED_MAX values with their padding: copied once into a zero-bordered buffer, each
// position's sum over its kernel row (taps in j order) taken in one flat loop over the whole buffer, then
// the kernel rows' sums added in i order — long loops instead of a short loop per output row (each
// window's sum is that of its rows' sums: the same values, added in another grouping).
__attribute__((always_inline)) static inline void
avgpool_padded(const float *restrict plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh, int64_t kw,
               int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw,
               const float *restrict scales, float *restrict out, int64_t hp, int64_t wp, float *restrict padded,
               float *restrict across) {
    bordered_copy(plane, h, w, ph, pw, hp, wp, 0, padded);
    bordered_windows(padded, across, hp, wp, oh, ow, kh, kw, sh, sw, dh, dw, 0);
    for (int64_t y = 0; y < oh; y++) {
        const float *restrict v = padded + y * wp, *restrict s = scales + y * ow;
        float *restrict o = out + y * ow;
        if (sw == 1)
            for (int64_t x = 0; x < ow; x++) o[x] = v[x] * s[x];
        else
            for (int64_t x = 0; x < ow; x++) o[x] = v[x * sw] * s[x];
    }
}

PRUNE_CLONES
void prune_avgpool_f32(const float *restrict plane, int64_t h, int64_t w, int64_t oh, int64_t ow, int64_t kh,
                       int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw, int64_t dh, int64_t dw,
                       const float *restrict scales, float *restrict out) {
    if (oh == 1 && ow == 1 && ph == 0 && pw == 0 && dh == 1 && dw == 1 && kh <= h && kw <= w) {
        // One window over the plane's top-left block (a global average written as a pooling): its sum.
        float sum = 0;
        if (kw == w) sum = prune_sum_f32(plane, kh * w);
        else
            for (int64_t i = 0; i < kh; i++) sum += prune_sum_f32(plane + i * w, kw);
        out[0] = sum * scales[0];
        return;
    }
    const int64_t hp = bordered_extent(h, ph, oh, sh, kh, dh), wp = bordered_extent(w, pw, ow, sw, kw, dw);
    if (oh > 0 && ow > 0 && kh > 0 && kw > 0 && hp * wp <= PADDED_MAX) {
        if (prune_avgpool_stride2_avx2(plane, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, scales, out)) return;
        float padded[hp * wp], across[hp * wp];
        avgpool_padded(plane, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, scales, out, hp, wp, padded, across);
        return;
    }
    if (sw == 1 || w > 16384 || sw > 16) {
        avgpool_rows(plane, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, scales, out, NULL, 0);
        return;
    }
    const int64_t len = (w + sw - 1) / sw;
    float phases[sw * len];
    avgpool_rows(plane, h, w, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, scales, out, phases, len);
}
