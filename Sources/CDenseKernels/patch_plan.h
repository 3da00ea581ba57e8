// What the patch-panel packers (patch_panels.c for AVX-512, patch_panels_avx2.c) share: a panel's runs of
// output positions, the plan of what each run reads for each tap, the value-by-value row for other strides,
// and the loop over a block's rows, which takes the packer's own rows for strides 1 and 2.
#ifndef PRUNE_PATCH_PLAN_H
#define PRUNE_PATCH_PLAN_H
#include "patch_panels.h"

/// Lanes [lane, lane + run) of a panel: output row oy, columns ox … ox + run − 1.
typedef struct { int lane, run; int64_t oy, ox; } Run;

/// The runs of the panel whose first column is q (count columns, count ≤ 32).
static int panel_runs(const prune_plane_window *g, int64_t q, int count, Run *runs) {
    int n = 0;
    for (int lane = 0; lane < count; n++) {
        const int64_t oy = q / g->ow, ox = q % g->ow;
        const int run = (int)(g->ow - ox < count - lane ? g->ow - ox : count - lane);
        runs[n] = (Run){ lane, run, oy, ox };
        lane += run;
        q += run;
    }
    return n;
}

/// The mask of bits [lo, hi) of 32 (none when empty).
static inline uint32_t bits(int64_t lo, int64_t hi) {
    lo = lo < 0 ? 0 : lo;
    hi = hi > 32 ? 32 : hi;
    if (hi <= lo) return 0;
    const uint32_t upper = hi == 32 ? 0xFFFFFFFFu : (1u << hi) - 1;
    return upper & ~((1u << lo) - 1);
}

enum { MAX_RUNS = PRUNE_PANEL_WIDTH, MAX_TAPS = 16 };

/// What a panel's runs read for each tap column j (stride 1 or 2): lane L of run r reads the row at
/// offset shift[j][r] + L (stride 1) or shift[j][r] + 2L (stride 2); `lanes` are the lanes it fills,
/// `readable` the values of the row that window may read (in the row's bounds; 32 each half for stride 2).
/// For each tap row i, the row of run r: row[i][r], or −1 when it falls in the padding.
typedef struct {
    int count;
    int64_t shift[MAX_TAPS][MAX_RUNS], row[MAX_TAPS][MAX_RUNS];
    uint32_t lanes[MAX_TAPS][MAX_RUNS], readable[MAX_TAPS][MAX_RUNS][2];
} PanelPlan;

static void plan_panel(const prune_plane_window *g, const Run *runs, int count, PanelPlan *plan) {
    plan->count = count;
    for (int64_t j = 0; j < g->kw; j++)
        for (int r = 0; r < count; r++) {
            const int64_t ix0 = runs[r].ox * g->sw + j * g->dw - g->pw, shift = ix0 - g->sw * runs[r].lane;
            const uint32_t lanes = bits(runs[r].lane, runs[r].lane + runs[r].run);
            plan->shift[j][r] = shift;
            plan->lanes[j][r] = g->sw == 1 ? lanes & bits(-shift, g->wd - shift) : lanes;
            plan->readable[j][r][0] = bits(-shift, g->wd - shift);
            plan->readable[j][r][1] = bits(-shift - 32, g->wd - shift - 32);
        }
    for (int64_t i = 0; i < g->kh; i++)
        for (int r = 0; r < count; r++) {
            const int64_t iy = runs[r].oy * g->sh + i * g->dh - g->ph;
            plan->row[i][r] = iy >= 0 && iy < g->h ? iy * g->wd : -1;
        }
}

/// Patch row (channel c, tap i, j) of a panel at any stride, value by value.
static void strided_row(const float *x, const prune_plane_window *g, int64_t c, int64_t i, int64_t j,
                        const Run *runs, int count, float *out) {
    for (int k = 0; k < PRUNE_PANEL_WIDTH; k++) out[k] = 0;
    for (int n = 0; n < count; n++) {
        const int64_t iy = runs[n].oy * g->sh + i * g->dh - g->ph;
        if (iy < 0 || iy >= g->h) continue;
        const float *row = x + (c * g->h + iy) * g->wd;
        for (int k = 0; k < runs[n].run; k++) {
            const int64_t ix = (runs[n].ox + k) * g->sw + j * g->dw - g->pw;
            out[runs[n].lane + k] = ix >= 0 && ix < g->wd ? row[ix] : 0;
        }
    }
}

/// A packer's row for one stride (`unit` 1, `even` 2): patch row (tap i, j) of a panel from the plane at `plane`.
typedef void (*PatchRow)(const float *plane, const PanelPlan *pl, int64_t i, int64_t j, float *out);

/// Rows [p0, p0 + kc) of one panel (columns q … q + count − 1).
static inline __attribute__((always_inline)) void
pack_panel(const float *x, const prune_plane_window *g, int64_t p0, int64_t kc, int64_t q, int count, float *panel,
           PanelPlan *plan, PatchRow unit, PatchRow even) {
    Run runs[MAX_RUNS];
    const int n = panel_runs(g, q, count, runs);
    const int planned = (g->sw == 1 || g->sw == 2) && g->kh <= MAX_TAPS && g->kw <= MAX_TAPS;
    if (planned) plan_panel(g, runs, n, plan);
    const int64_t taps = g->kh * g->kw, plane = g->h * g->wd;
    int64_t c = p0 / taps, i = p0 % taps / g->kw, j = p0 % g->kw;
    for (int64_t p = 0; p < kc; p++) {
        float *out = panel + p * PRUNE_PANEL_WIDTH;
        if (!planned) strided_row(x, g, c, i, j, runs, n, out);
        else if (g->sw == 1) unit(x + c * plane, plan, i, j, out);
        else even(x + c * plane, plan, i, j, out);
        if (++j == g->kw) { j = 0; if (++i == g->kh) { i = 0; c++; } }
    }
}

/// The panels of columns [q0, q0 + nc), rows [p0, p0 + kc), at dst (panel t at dst + t·32·kc).
static inline __attribute__((always_inline)) void
pack_panels(const float *x, const prune_plane_window *g, int64_t p0, int64_t kc, int64_t q0, int64_t nc,
            float *dst, PatchRow unit, PatchRow even) {
    PanelPlan plan;
    for (int64_t t = 0; t * PRUNE_PANEL_WIDTH < nc; t++) {
        const int64_t left = nc - t * PRUNE_PANEL_WIDTH;
        pack_panel(x, g, p0, kc, q0 + t * PRUNE_PANEL_WIDTH, (int)(left < 32 ? left : 32),
                   dst + t * PRUNE_PANEL_WIDTH * kc, &plan, unit, even);
    }
}
#endif
