// The sgemm's B panels of a stride-1 convolution whose output rows are as wide as its input rows (a 3×3 or 5×5
// layer padded to keep its size, as ResNets and small CNNs are), read straight from the image (issue 18).
// Output position q = oy·w + ox and tap (i, j) read x[c][(oy + i − ph)·w + ox + j − pw], which is the plane at
// q + (i − ph)·w + (j − pw): every patch row of a panel is one shifted stretch of the plane, whatever rows its
// 32 columns span, with the lanes whose column or row falls in the padding masked to zero. A row is then two
// masked loads from one address and two stores; the masks (one per tap column, one per tap row) are made once
// per panel. Im2col and the copy into panels cost 42% of such a layer's time beside the product (16 → 32 filters
// over 14×14, 32 images on one core: 26% im2col, 16% pack_rows), prune_pack_patch_panels' runs more.
#include "patch_plan.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

int prune_shifted_panels_apply(const prune_plane_window *g) {
    return g->sh == 1 && g->sw == 1 && g->dh == 1 && g->dw == 1 && g->ow == g->wd && g->kh <= MAX_TAPS &&
           g->kw <= MAX_TAPS;
}

/// The lanes of the panel at column q (count columns) that tap column j (columns[j]) and tap row i (rows[i])
/// leave inside the plane.
static void panel_masks(const prune_plane_window *g, int64_t q, int count, uint32_t *columns, uint32_t *rows) {
    Run runs[MAX_RUNS];
    const int n = panel_runs(g, q, count, runs);
    for (int64_t j = 0; j < g->kw; j++) columns[j] = 0;
    for (int64_t i = 0; i < g->kh; i++) rows[i] = 0;
    for (int r = 0; r < n; r++) {
        const uint32_t lanes = bits(runs[r].lane, runs[r].lane + runs[r].run);
        for (int64_t j = 0; j < g->kw; j++) {
            const int64_t shift = runs[r].ox + j - g->pw - runs[r].lane;  // lane L reads column shift + L
            columns[j] |= lanes & bits(-shift, g->wd - shift);
        }
        for (int64_t i = 0; i < g->kh; i++) {
            const int64_t iy = runs[r].oy + i - g->ph;
            if (iy >= 0 && iy < g->h) rows[i] |= lanes;
        }
    }
}

/// Rows [p0, p0 + kc) of the panel at column q (count columns) into `panel`.
static AVX512 void shifted_panel(const float *x, const prune_plane_window *g, int64_t p0, int64_t kc, int64_t q,
                                 int count, float *panel) {
    uint32_t columns[MAX_TAPS], rows[MAX_TAPS];
    panel_masks(g, q, count, columns, rows);
    const int64_t taps = g->kh * g->kw, plane = g->h * g->wd;
    int64_t c = p0 / taps, i = p0 % taps / g->kw, j = p0 % g->kw;
    for (int64_t p = 0; p < kc; p++) {
        const uint32_t m = columns[j] & rows[i];
        const float *src = x + c * plane + (i - g->ph) * g->wd + (j - g->pw) + q;
        _mm512_store_ps(panel + p * PRUNE_PANEL_WIDTH, _mm512_maskz_loadu_ps((__mmask16)m, src));
        _mm512_store_ps(panel + p * PRUNE_PANEL_WIDTH + 16, _mm512_maskz_loadu_ps((__mmask16)(m >> 16), src + 16));
        if (++j == g->kw) { j = 0; if (++i == g->kh) { i = 0; c++; } }
    }
}

AVX512 void prune_pack_shifted_panels(const float *x, const prune_plane_window *g, int64_t p0, int64_t kc,
                                      int64_t q0, int64_t nc, float *dst) {
    for (int64_t t = 0; t * PRUNE_PANEL_WIDTH < nc; t++) {
        const int64_t left = nc - t * PRUNE_PANEL_WIDTH;
        shifted_panel(x, g, p0, kc, q0 + t * PRUNE_PANEL_WIDTH, (int)(left < 32 ? left : 32),
                      dst + t * PRUNE_PANEL_WIDTH * kc);
    }
}
#endif
