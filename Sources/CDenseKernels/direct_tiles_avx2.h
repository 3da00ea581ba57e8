// The pieces of the direct tile (direct_tiles.h) in AVX2: the zero-padded input rows the tile reads and its
// block of multiply-adds. Include after <immintrin.h> inside an x86-64 block that defines AVX2.
#ifndef PRUNE_DIRECT_TILES_AVX2_H
#define PRUNE_DIRECT_TILES_AVX2_H
#include "direct_tiles.h"
#include <stdlib.h>
#include <string.h>

/// The input rows that output rows [oy0, oy1] read, every channel, zero-padded: channel c's padded row r (the
/// input's row first + r − ph) at data + (c·count + r)·width, column u holding the input's column u − pw.
typedef struct {
    float *data;
    long width, count, first;
} PaddedRows;

/// count values from src to dst, 8 at a time while 8 remain (rows of small planes are a few vectors long, where
/// a call to memcpy per row weighed: 32 channels of 16 padded rows, a tenth of a 3×3 32 → 32 layer over 14×14).
static inline AVX2 void copy_values(const float *src, long count, float *dst) {
    long t = 0;
    for (; t + 8 <= count; t += 8) _mm256_storeu_ps(dst + t, _mm256_loadu_ps(src + t));
    for (; t < count; t++) dst[t] = src[t];
}

/// Lays out the rows of `channels` planes at x that output rows [oy0, oy1] read. 0 when memory is short. The
/// buffer is zeroed first when the rows have padding (columns left or right of the plane, rows above or below
/// it), then each input row copied in.
static AVX2 int pad_rows(const float *x, const prune_plane_window *g, long channels, long oy0, long oy1,
                         PaddedRows *p) {
    p->width = (g->ow - 1) * g->sw + (g->kw - 1) * g->dw + 1;
    p->first = oy0 * g->sh;
    p->count = (oy1 - oy0) * g->sh + (g->kh - 1) * g->dh + 1;
    const size_t values = (size_t)(channels * p->count * p->width);
    p->data = aligned_alloc(64, (values * sizeof(float) + 63) / 64 * 64);
    if (!p->data) return 0;
    const long left = g->pw < p->width ? g->pw : p->width;
    const long fits = p->width - left < g->wd ? p->width - left : g->wd, inside = fits > 0 ? fits : 0;
    const int padded = left > 0 || inside < p->width || p->first < g->ph || p->first + p->count - g->ph > g->h;
    if (padded) memset(p->data, 0, values * sizeof(float));
    for (long c = 0; c < channels; c++)
        for (long r = 0; r < p->count; r++) {
            const long iy = p->first + r - g->ph;
            if (iy >= 0 && iy < g->h && inside)
                copy_values(x + (c * g->h + iy) * g->wd, inside, p->data + (c * p->count + r) * p->width + left);
        }
    return 1;
}

/// sum[r] (16 filters of position r) = the block [k0, k1) of the patch products: for the `first` block plus
/// `bias` (or as it is when `bias` is NULL), for a later one plus the sum so far.
static inline __attribute__((always_inline)) AVX2 void
tile_block(const float *const base[TP], const int64_t *off, long k0, long k1, const float *panel, int first,
           const float *bias, float sum[TP][TF]) {
    __m256 lo[TP], hi[TP];
    for (int r = 0; r < TP; r++) { lo[r] = _mm256_setzero_ps(); hi[r] = _mm256_setzero_ps(); }
    for (long p = k0; p < k1; p++) {
        const __m256 w0 = _mm256_loadu_ps(panel + p * TF), w1 = _mm256_loadu_ps(panel + p * TF + 8);
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

#endif
