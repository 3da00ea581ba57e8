// A convolution with the output positions broadcast and the filters in vector lanes, for layers with few
// filters per patch value (an image CNN's first layer: 3 channels into 32–96 filters), where packing the patch
// matrix for the sgemm cost half as much as the product itself (Inception's 7×7 stride-2 first layer at
// batch 1: 34% of its time in prune_pack_patch_panels). Each tile is 6 consecutive output positions × 16
// filters in 12 AVX2 accumulators: per step k of the patch, 6 input values broadcast from a zero-padded copy
// of the rows the positions read, 2 vectors of filter values, 12 FMAs — the sgemm's AVX2 tile with the roles
// of A and B swapped, and no patch matrix. The tile is turned back into channel planes by 8×8 transposes. A
// last panel of at most 8 filters at stride 1 (a layer pruned to 8 filters, or to 24) runs in narrow tiles of
// 12 positions × 8 filters instead, so that no lane multiplies a panel's zero padding. Where the sgemm runs its
// AVX-512 kernels the tiles are AVX-512 ones (direct_tiles_avx512.h): 12 positions × 16 or 6 × 32 filters, at
// stride 1 over rows of at least 12 positions 12 × 16 or 12 × 32 with two address registers.
//
// The same sums as sgemm.c on the same filters and patches: per block of k as it cuts k (k_step), an FMA
// chain in k order from 0, the first block added to the bias (or taken as it is without one), each later block
// added to the running sum. So the same bits as the packed product (prune_sgemm_prepacked_b).
#include "sgemm_kernels.h"
#include "filter_panels.h"
#include "direct_tiles.h"
#include <stdlib.h>
#include <string.h>

/// Output positions and filters of a narrow tile (a last panel of at most 8 filters at stride 1).
enum { NP = 12, NF = 8 };

int64_t prune_conv_direct_panel_count(int64_t filters, int64_t k) {
    return filters > 0 && k > 0 ? (filters + TF - 1) / TF * TF * k : 0;
}

void prune_conv_direct_pack(const float *w, int64_t filters, int64_t k, float *dst) {
    pack_filter_panels(w, filters, k, TF, dst);
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f")))
#include "transpose8.h"
#include "cpu_features.h"
#include "direct_tiles_avx2.h"
#include "direct_tiles_avx512.h"

/// The offset of each patch value (c, i, j) from its position's first, in the padded rows.
static int64_t *patch_offsets(const prune_plane_window *g, long channels, const PaddedRows *p) {
    const long kk = g->kh * g->kw;
    int64_t *off = malloc((size_t)(channels * kk) * sizeof(int64_t));
    if (!off) return NULL;
    for (long c = 0; c < channels; c++)
        for (long i = 0; i < g->kh; i++)
            for (long j = 0; j < g->kw; j++)
                off[c * kk + i * g->kw + j] = (c * p->count + i * g->dh) * p->width + j * g->dw;
    return off;
}

/// The tile's `filters` (≤ 16) channel rows of `positions` (≤ 6) values at y (rows `plane` apart), `width` values
/// each: 8 when the next tile rewrites the two past this one, else `positions`.
static inline __attribute__((always_inline)) AVX2 void
store_tile(float sum[TP][TF], long positions, long filters, float *y, long plane, int width) {
    transpose8_some(sum[0], TF, (int)positions, 8, y, plane, width, (int)(filters < 8 ? filters : 8));
    if (filters > 8)
        transpose8_some(sum[0] + 8, TF, (int)positions, 8, y + 8 * plane, plane, width,
                        (int)(filters - 8 < 8 ? filters - 8 : 8));
}

/// The sums of a narrow tile: acc[r] (the first NF filters of the panel at position r) over the block [k0, k1).
/// Its 12 positions lie in at most two output rows at stride 1, the first `split` in one: position r reads from
/// b0 + r before the split and b1 + r after it, one address register each whatever r (12 pointers did not fit
/// the registers: the broadcasts went through the stack). The same FMA chain per position and filter as
/// tile_block's, so the same bits; a 16-filter tile on a panel of 8 filters spends half its multiply-adds on
/// the padding (ResNet-style layers pruned to 8 filters).
static inline __attribute__((always_inline)) AVX2 void
narrow_sums(const int split, const float *b0, const float *b1, const int64_t *off, long k0, long k1,
            const float *panel, __m256 acc[NP]) {
    for (long p = k0; p < k1; p++) {
        const __m256 w = _mm256_loadu_ps(panel + p * TF);
        const float *a0 = b0 + off[p], *a1 = b1 + off[p];
        for (int r = 0; r < NP; r++)
            acc[r] = _mm256_fmadd_ps(_mm256_broadcast_ss((r < split ? a0 : a1) + r), w, acc[r]);
    }
}

#define NARROW_CASE(S) case S: narrow_sums(S, b0, b1, off, k0, k1, panel, acc); break;

/// sum[r] for the block [k0, k1): for the `first` block plus `bias` (or as it is when NULL), for a later one
/// plus the sum so far.
static AVX2 void narrow_block(int split, const float *b0, const float *b1, const int64_t *off, long k0, long k1,
                              const float *panel, int first, const float *bias, float sum[NP][NF]) {
    __m256 acc[NP];
    for (int r = 0; r < NP; r++) acc[r] = _mm256_setzero_ps();
    switch (split) {
        NARROW_CASE(1) NARROW_CASE(2) NARROW_CASE(3) NARROW_CASE(4) NARROW_CASE(5) NARROW_CASE(6)
        NARROW_CASE(7) NARROW_CASE(8) NARROW_CASE(9) NARROW_CASE(10) NARROW_CASE(11) NARROW_CASE(12)
        default: break;
    }
    for (int r = 0; r < NP; r++) {
        if (!first) acc[r] = _mm256_add_ps(_mm256_load_ps(sum[r]), acc[r]);
        else if (bias) acc[r] = _mm256_add_ps(acc[r], _mm256_loadu_ps(bias));
        _mm256_store_ps(sum[r], acc[r]);
    }
}

/// The narrow tile's `filters` (≤ 8) channel rows of its 12 positions at y (rows `plane` apart), in transposes
/// of 8 and 4 positions; the second stores 8 when the next tile rewrites the 4 past this one (`rewritten`).
static inline __attribute__((always_inline)) AVX2 void
store_narrow(float sum[NP][NF], long filters, float *y, long plane, int rewritten) {
    transpose8_some(sum[0], NF, 8, NF, y, plane, 8, (int)filters);
    transpose8_some(sum[8], NF, NP - 8, NF, y + 8, plane, rewritten ? 8 : NP - 8, (int)filters);
}

/// Where the tiles read and write: the padded rows, each patch value's offset, the filter panels, the bias
/// (padded to whole panels, or NULL), k, the filters and the output planes.
typedef struct {
    const PaddedRows *rows;
    const prune_plane_window *g;
    const int64_t *off;
    const float *panels, *bias;
    long k, filters;
    float *y;
} DirectTiles;

/// The first input value of each of a tile's `slots` positions from t (the last repeated past `count`).
static inline void tile_bases(const DirectTiles *d, long t, long count, const float *base[], int slots) {
    for (int r = 0; r < slots; r++) {
        const long q = t + (r < count ? r : count - 1), oy = q / d->g->ow, ox = q % d->g->ow;
        base[r] = d->rows->data + (oy * d->g->sh - d->rows->first) * d->rows->width + ox * d->g->sw;
    }
}

/// Asks to own (PREFETCHW) the line at y of each of `filters` (≤ 16) output planes, `plane` apart: a tile
/// writes a few values into each of 16 planes, more streams than the hardware prefetcher follows, to lines an
/// earlier layer's reads may have left shared with the other core. The caller asks 32 positions ahead
/// (SqueezeNet's first layer in the model, batch 1: 0.414–0.436 → 0.411–0.414 ms; ResNet-50's 1.83–1.92 →
/// 1.70–1.87; Inception v1's 1.70–2.00 → 1.66–1.76).
static inline __attribute__((always_inline)) void prefetch_planes(float *y, long plane, long filters) {
    for (long f = 0; f < filters; f++) prune_prefetch_for_write(y + f * plane);
}

/// Output positions [q0, end) of the filter panels from f0 to f1: every panel of each tile of positions in turn.
static AVX2 void wide_tiles(const DirectTiles *d, long f0, long f1, long q0, long end) {
    const long step = k_step(d->k), plane = d->g->oh * d->g->ow;
    const int for_write = prune_cpu_has_prefetchw();
    float sum[TP][TF] __attribute__((aligned(32)));
    const float *base[TP];
    for (long t = q0; t < end; t += TP) {
        const long count = end - t < TP ? end - t : TP;
        tile_bases(d, t, count, base, TP);
        for (long f = f0; f < f1; f += TF) {
            const float *panel = d->panels + f * d->k, *bias = d->bias ? d->bias + f : NULL;
            if (for_write && t + 2 * TF < end)
                prefetch_planes(d->y + f * plane + t + 2 * TF, plane, d->filters - f < TF ? d->filters - f : TF);
            for (long p = 0; p < d->k; p += step)
                tile_block(base, d->off, p, p + step < d->k ? p + step : d->k, panel, p == 0, bias, sum);
            store_tile(sum, count, d->filters - f, d->y + f * plane + t, plane, t + 8 <= end ? 8 : (int)count);
        }
    }
}

/// Output positions [q0, end) of the last filters from f (at most NF) at stride 1 over rows of at least NP
/// positions: narrow tiles of NP positions, the rest of the range (under NP) in a wide tile's lanes.
static AVX2 void narrow_tiles(const DirectTiles *d, long f, long q0, long end) {
    const long step = k_step(d->k), plane = d->g->oh * d->g->ow, ow = d->g->ow;
    const int for_write = prune_cpu_has_prefetchw();
    const float *panel = d->panels + f * d->k, *bias = d->bias ? d->bias + f : NULL;
    float sum[NP][NF] __attribute__((aligned(32)));
    const float *base[TP];
    long t = q0;
    for (; t + NP <= end; t += NP) {
        const int split = (int)(ow - t % ow < NP ? ow - t % ow : NP);
        tile_bases(d, t, 1, base, TP);
        const float *b0 = base[0];
        tile_bases(d, t + split < end ? t + split : t, 1, base, TP);
        const float *b1 = base[0] - split;
        if (for_write && t + 2 * NP < end) prefetch_planes(d->y + f * plane + t + 2 * NP, plane, d->filters - f);
        for (long p = 0; p < d->k; p += step)
            narrow_block(split, b0, b1, d->off, p, p + step < d->k ? p + step : d->k, panel, p == 0, bias, sum);
        store_narrow(sum, d->filters - f, d->y + f * plane + t, plane, t + NP + 4 <= end);
    }
    if (t < end) wide_tiles(d, f, d->filters, t, end);
}

/// The AVX-512 tile's `filters` (≤ 32) channel rows of its `count` positions at y (rows `plane` apart), positions
/// 0–7 and 8–11 in 8 × 8 transposes; each writes 8 positions where the next tile rewrites those past this one
/// (`ahead` positions remain after the tile's first).
static inline __attribute__((always_inline)) AVX512 void
store_wide(float sum[WP][WF], long count, long filters, float *y, long plane, long ahead) {
    for (int g = 0; g < WP; g += 8) {
        const int rows = (int)(count - g < 8 ? count - g : 8), width = ahead >= g + 8 ? 8 : rows;
        for (long j = 0; j < filters && rows > 0; j += 8)
            transpose8_some(sum[g] + j, WF, rows, 8, y + j * plane + g, plane, width,
                            (int)(filters - j < 8 ? filters - j : 8));
    }
}

/// Output positions [q0, end) of every filter in AVX-512 tiles (direct_tiles_avx512.h): per tile of WP positions,
/// every 32 filters (the two panels from f) in turn.
static AVX512 void wide_tiles_avx512(const DirectTiles *d, long q0, long end) {
    const long step = k_step(d->k), plane = d->g->oh * d->g->ow;
    float sum[WP][WF] __attribute__((aligned(64)));
    const float *base[WP];
    for (long t = q0; t < end; t += WP) {
        const long count = end - t < WP ? end - t : WP;
        tile_bases(d, t, count, base, WP);
        const int split = (int)(d->g->ow - t % d->g->ow < WP ? d->g->ow - t % d->g->ow : WP);
        const int rows = count == WP && d->g->sw == 1 && d->g->ow >= WP;
        const float *b0 = base[0], *b1 = base[split < WP ? split : 0] - split;
        for (long f = 0; f < d->filters; f += WF) {
            const float *panel = d->panels + f * d->k, *bias = d->bias ? d->bias + f : NULL;
            const long filters = d->filters - f < WF ? d->filters - f : WF;
            for (long p = 0; p < d->k; p += step) {
                const long k1 = p + step < d->k ? p + step : d->k;
                if (rows)
                    split_block(split, filters > TF ? 2 : 1, b0, b1, d->off, p, k1, panel, TF * d->k, p == 0, bias,
                                sum);
                else wide_tile_block(base, count, filters, d->off, p, k1, panel, TF * d->k, p == 0, bias, sum);
            }
            store_wide(sum, count, filters, d->y + f * plane + t, plane, end - t);
        }
    }
}

/// Output positions [q0, end) of every filter: whole panels in tiles of TP positions; a last panel of at most NF
/// filters, at stride 1 over rows of at least NP positions, in narrow tiles. In AVX-512 tiles where the sgemm
/// runs its AVX-512 kernels.
static void run_tiles(const DirectTiles *d, long q0, long end) {
    if (strcmp(prune_sgemm_kernels(), "AVX-512") == 0) {
        wide_tiles_avx512(d, q0, end);
        return;
    }
    const long rest = d->filters % TF;
    const int narrow = rest > 0 && rest <= NF && d->g->sw == 1 && d->g->ow >= NP;
    const long full = narrow ? d->filters - rest : d->filters;
    if (full > 0) wide_tiles(d, 0, full, q0, end);
    if (narrow) narrow_tiles(d, full, q0, end);
}

/// The bias padded with zeros to whole panels of TF.
static float *padded_bias(const float *bias, long filters) {
    if (!bias) return NULL;
    float *b = calloc((size_t)((filters + TF - 1) / TF * TF), sizeof(float));
    if (b) memcpy(b, bias, (size_t)filters * sizeof(float));
    return b;
}

int prune_conv_direct_packed_f32(const float *x, prune_plane_window g, int64_t channels, const float *panels,
                                 int64_t filters, const float *bias, int64_t q0, int64_t count, float *y) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return 0;
    if (count <= 0 || filters <= 0) return 1;
    PaddedRows rows;
    if (!pad_rows(x, &g, channels, q0 / g.ow, (q0 + count - 1) / g.ow, &rows)) return 0;
    const long k = channels * g.kh * g.kw;
    float *b = padded_bias(bias, filters);
    int64_t *off = patch_offsets(&g, channels, &rows);
    const int ok = off && (b || !bias);
    if (ok) {
        const DirectTiles d = { &rows, &g, off, panels, b, k, filters, y };
        run_tiles(&d, q0, q0 + count);
    }
    free(rows.data); free(b); free(off);
    return ok;
}

#else
int prune_conv_direct_packed_f32(const float *x, prune_plane_window g, int64_t channels, const float *panels,
                                 int64_t filters, const float *bias, int64_t q0, int64_t count, float *y) {
    (void)x; (void)g; (void)channels; (void)panels; (void)filters; (void)bias; (void)q0; (void)count; (void)y;
    return 0;
}
#endif

int prune_conv_direct_f32(const float *x, prune_plane_window g, int64_t channels, const float *w, int64_t filters,
                          const float *bias, int64_t q0, int64_t count, float *y) {
    if (filters <= 0 || count <= 0)
        return prune_conv_direct_packed_f32(x, g, channels, NULL, filters, bias, q0, count, y);
    const int64_t k = channels * g.kh * g.kw, values = prune_conv_direct_panel_count(filters, k);
    float *panels = values > 0 ? malloc((size_t)values * sizeof(float)) : NULL;
    if (!panels) return 0;
    prune_conv_direct_pack(w, filters, k, panels);
    const int ok = prune_conv_direct_packed_f32(x, g, channels, panels, filters, bias, q0, count, y);
    free(panels);
    return ok;
}
