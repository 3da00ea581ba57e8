// A convolution with the output positions broadcast and the filters in vector lanes, for layers with few
// filters per patch value (an image CNN's first layer: 3 channels into 32–96 filters), where packing the patch
// matrix for the sgemm cost half as much as the product itself (Inception's 7×7 stride-2 first layer at
// batch 1: 34% of its time in prune_pack_patch_panels). Each tile is 6 consecutive output positions × 16
// filters in 12 AVX2 accumulators: per step k of the patch, 6 input values broadcast from a zero-padded copy
// of the rows the positions read, 2 vectors of filter values, 12 FMAs — the sgemm's AVX2 tile with the roles
// of A and B swapped, and no patch matrix. The tile is turned back into channel planes by 8×8 transposes.
//
// The same sums as sgemm.c on the same filters and patches: per block of k as it cuts k (k_step), an FMA
// chain in k order from 0, the first block added to the bias (or taken as it is without one), each later block
// added to the running sum. So the same bits as the packed product (prune_sgemm_prepacked_b).
#include "sgemm_kernels.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
#include "transpose8.h"
#include "cpu_features.h"

/// Output positions and filters of a tile.
enum { TP = 6, TF = 16 };

/// The input rows that output rows [oy0, oy1] read, every channel, zero-padded: channel c's padded row r (the
/// input's row first + r − ph) at data + (c·count + r)·width, column u holding the input's column u − pw.
typedef struct {
    float *data;
    long width, count, first;
} PaddedRows;

/// One padded row: zeros left of the plane, the input row, zeros right of it.
static void padded_row(const float *row, const prune_plane_window *g, long width, float *dst) {
    const long left = g->pw < width ? g->pw : width;
    const long fits = width - left < g->wd ? width - left : g->wd, inside = row && fits > 0 ? fits : 0;
    memset(dst, 0, (size_t)left * sizeof(float));
    if (inside) memcpy(dst + left, row, (size_t)inside * sizeof(float));
    memset(dst + left + inside, 0, (size_t)(width - left - inside) * sizeof(float));
}

/// Lays out the rows of `channels` planes at x that output rows [oy0, oy1] read. 0 when memory is short.
static int pad_rows(const float *x, const prune_plane_window *g, long channels, long oy0, long oy1, PaddedRows *p) {
    p->width = (g->ow - 1) * g->sw + (g->kw - 1) * g->dw + 1;
    p->first = oy0 * g->sh;
    p->count = (oy1 - oy0) * g->sh + (g->kh - 1) * g->dh + 1;
    p->data = aligned_alloc(64, ((size_t)(channels * p->count * p->width) * sizeof(float) + 63) / 64 * 64);
    if (!p->data) return 0;
    for (long c = 0; c < channels; c++)
        for (long r = 0; r < p->count; r++) {
            const long iy = p->first + r - g->ph;
            const float *row = iy >= 0 && iy < g->h ? x + (c * g->h + iy) * g->wd : NULL;
            padded_row(row, g, p->width, p->data + (c * p->count + r) * p->width);
        }
    return 1;
}

/// The filters as panels of TF: panel f holds, for each k, filters f·TF … f·TF + 15 (zeros past `filters`).
static float *filter_panels(const float *w, long filters, long k) {
    const long panels = (filters + TF - 1) / TF;
    float *dst = aligned_alloc(64, (size_t)(panels * k * TF) * sizeof(float));
    if (!dst) return NULL;
    for (long f = 0; f < panels * TF; f++)
        for (long p = 0; p < k; p++) dst[(f / TF * k + p) * TF + f % TF] = f < filters ? w[f * k + p] : 0;
    return dst;
}

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

/// sum[r] (16 filters of position r) = the block [k0, k1) of the patch products: for the `first` block plus
/// `bias` (or as it is when `bias` is NULL), for a later one plus the sum so far.
static inline __attribute__((always_inline)) AVX2 void
tile_block(const float *const base[TP], const int64_t *off, long k0, long k1, const float *panel, int first,
           const float *bias, float sum[TP][TF]) {
    __m256 lo[TP], hi[TP];
    for (int r = 0; r < TP; r++) { lo[r] = _mm256_setzero_ps(); hi[r] = _mm256_setzero_ps(); }
    for (long p = k0; p < k1; p++) {
        const __m256 w0 = _mm256_load_ps(panel + p * TF), w1 = _mm256_load_ps(panel + p * TF + 8);
        const int64_t o = off[p];
        for (int r = 0; r < TP; r++) {
            const __m256 x = _mm256_broadcast_ss(base[r] + o);
            lo[r] = _mm256_fmadd_ps(x, w0, lo[r]);
            hi[r] = _mm256_fmadd_ps(x, w1, hi[r]);
        }
    }
    for (int r = 0; r < TP; r++) {
        if (!first) {
            lo[r] = _mm256_add_ps(_mm256_load_ps(sum[r]), lo[r]);
            hi[r] = _mm256_add_ps(_mm256_load_ps(sum[r] + 8), hi[r]);
        } else if (bias) {
            lo[r] = _mm256_add_ps(lo[r], _mm256_loadu_ps(bias));
            hi[r] = _mm256_add_ps(hi[r], _mm256_loadu_ps(bias + 8));
        }
        _mm256_store_ps(sum[r], lo[r]);
        _mm256_store_ps(sum[r] + 8, hi[r]);
    }
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

/// The first input value of each of the tile's positions from t (the last repeated past `count`).
static inline void tile_bases(const DirectTiles *d, long t, long count, const float *base[TP]) {
    for (int r = 0; r < TP; r++) {
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

/// Output positions [q0, end): every filter of each tile of positions in turn.
static AVX2 void run_tiles(const DirectTiles *d, long q0, long end) {
    const long step = k_step(d->k), plane = d->g->oh * d->g->ow;
    const int for_write = prune_cpu_has_prefetchw();
    float sum[TP][TF] __attribute__((aligned(32)));
    const float *base[TP];
    for (long t = q0; t < end; t += TP) {
        const long count = end - t < TP ? end - t : TP;
        tile_bases(d, t, count, base);
        for (long f = 0; f < d->filters; f += TF) {
            const float *panel = d->panels + f * d->k, *bias = d->bias ? d->bias + f : NULL;
            if (for_write && t + 2 * TF < end)
                prefetch_planes(d->y + f * plane + t + 2 * TF, plane, d->filters - f < TF ? d->filters - f : TF);
            for (long p = 0; p < d->k; p += step)
                tile_block(base, d->off, p, p + step < d->k ? p + step : d->k, panel, p == 0, bias, sum);
            store_tile(sum, count, d->filters - f, d->y + f * plane + t, plane, t + 8 <= end ? 8 : (int)count);
        }
    }
}

/// The bias padded with zeros to whole panels of TF.
static float *padded_bias(const float *bias, long filters) {
    if (!bias) return NULL;
    float *b = calloc((size_t)((filters + TF - 1) / TF * TF), sizeof(float));
    if (b) memcpy(b, bias, (size_t)filters * sizeof(float));
    return b;
}

int prune_conv_direct_f32(const float *x, prune_plane_window g, int64_t channels, const float *w, int64_t filters,
                          const float *bias, int64_t q0, int64_t count, float *y) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return 0;
    if (count <= 0 || filters <= 0) return 1;
    PaddedRows rows;
    if (!pad_rows(x, &g, channels, q0 / g.ow, (q0 + count - 1) / g.ow, &rows)) return 0;
    const long k = channels * g.kh * g.kw;
    float *panels = filter_panels(w, filters, k), *b = padded_bias(bias, filters);
    int64_t *off = patch_offsets(&g, channels, &rows);
    const int ok = panels && off && (b || !bias);
    if (ok) {
        const DirectTiles d = { &rows, &g, off, panels, b, k, filters, y };
        run_tiles(&d, q0, q0 + count);
    }
    free(rows.data); free(panels); free(b); free(off);
    return ok;
}
#else
int prune_conv_direct_f32(const float *x, prune_plane_window g, int64_t channels, const float *w, int64_t filters,
                          const float *bias, int64_t q0, int64_t count, float *y) {
    (void)x; (void)g; (void)channels; (void)w; (void)filters; (void)bias; (void)q0; (void)count; (void)y;
    return 0;
}
#endif
