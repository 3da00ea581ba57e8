// The sgemm's B panels of a convolution's patch matrix, read straight from the image (see patch_panels.h).
// A panel's 32 columns are output positions: runs of consecutive positions within one output row, each
// read from one input row. For each patch row (channel, tap) a run is one or two masked vector loads
// (stride 1), or loads and a permute of the even values (stride 2); masked lanes read nothing, so the
// padding needs no bounds checks. Other strides are read value by value.
#include "patch_panels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

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

/// The bits of x OR y (AVX-512F has no float OR).
static inline AVX512 __m512 joined(__m512 x, __m512 y) {
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(x), _mm512_castps_si512(y)));
}

/// Patch row (tap i, j) of a panel at stride 1 from the plane `plane`.
static inline AVX512 void unit_row(const float *plane, const PanelPlan *pl, int64_t i, int64_t j, float *out) {
    __m512 v0 = _mm512_setzero_ps(), v1 = _mm512_setzero_ps();
    for (int r = 0; r < pl->count; r++) {
        if (pl->row[i][r] < 0) continue;
        const float *src = plane + pl->row[i][r] + pl->shift[j][r];
        const uint32_t m = pl->lanes[j][r];
        // Zero-masked loads (a merging load would wait for the previous run's) joined by OR: the runs'
        // lanes are disjoint and every other lane is zero.
        v0 = joined(v0, _mm512_maskz_loadu_ps((__mmask16)m, src));
        v1 = joined(v1, _mm512_maskz_loadu_ps((__mmask16)(m >> 16), src + 16));
    }
    _mm512_store_ps(out, v0);
    _mm512_store_ps(out + 16, v1);
}

/// Patch row (tap i, j) of a panel at stride 2: the even values of each run's 32-value windows.
static inline AVX512 void even_row(const float *plane, const PanelPlan *pl, int64_t i, int64_t j, float *out) {
    const __m512i evens = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    __m512 v[2] = { _mm512_setzero_ps(), _mm512_setzero_ps() };
    for (int r = 0; r < pl->count; r++) {
        if (pl->row[i][r] < 0) continue;
        const float *src = plane + pl->row[i][r] + pl->shift[j][r];
        for (int half = 0; half < 2; half++) {
            const __mmask16 keep = (__mmask16)(pl->lanes[j][r] >> (16 * half));
            if (!keep) continue;
            const uint32_t readable = pl->readable[j][r][half];
            __m512 lo = _mm512_maskz_loadu_ps((__mmask16)readable, src + 32 * half);
            __m512 hi = _mm512_maskz_loadu_ps((__mmask16)(readable >> 16), src + 32 * half + 16);
            v[half] = _mm512_mask_mov_ps(v[half], keep, _mm512_permutex2var_ps(lo, evens, hi));
        }
    }
    _mm512_store_ps(out, v[0]);
    _mm512_store_ps(out + 16, v[1]);
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

/// Rows [p0, p0 + kc) of one panel (columns q … q + count − 1).
static AVX512 void pack_panel(const float *x, const prune_plane_window *g, int64_t p0, int64_t kc, int64_t q,
                              int count, float *panel, PanelPlan *plan) {
    Run runs[MAX_RUNS];
    const int n = panel_runs(g, q, count, runs);
    const int planned = (g->sw == 1 || g->sw == 2) && g->kh <= MAX_TAPS && g->kw <= MAX_TAPS;
    if (planned) plan_panel(g, runs, n, plan);
    const int64_t taps = g->kh * g->kw, plane = g->h * g->wd;
    int64_t c = p0 / taps, i = p0 % taps / g->kw, j = p0 % g->kw;
    for (int64_t p = 0; p < kc; p++) {
        float *out = panel + p * PRUNE_PANEL_WIDTH;
        if (!planned) strided_row(x, g, c, i, j, runs, n, out);
        else if (g->sw == 1) unit_row(x + c * plane, plan, i, j, out);
        else even_row(x + c * plane, plan, i, j, out);
        if (++j == g->kw) { j = 0; if (++i == g->kh) { i = 0; c++; } }
    }
}

AVX512 void prune_pack_patch_panels(const float *x, const prune_plane_window *g, int64_t p0, int64_t kc,
                                    int64_t q0, int64_t nc, float *dst) {
    PanelPlan plan;
    for (int64_t t = 0; t * PRUNE_PANEL_WIDTH < nc; t++) {
        const int64_t left = nc - t * PRUNE_PANEL_WIDTH;
        pack_panel(x, g, p0, kc, q0 + t * PRUNE_PANEL_WIDTH, (int)(left < 32 ? left : 32),
                   dst + t * PRUNE_PANEL_WIDTH * kc, &plan);
    }
}
#endif
