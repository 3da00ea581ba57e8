// A convolution with consecutive output positions in vector lanes, for layers whose patches are a few values
// (an image CNN's first layer with 3×3 windows over 1–3 channels: 9–27 values per output), where the sgemm
// packs a patch matrix whose every value meets only the layer's filters, and direct_conv.c's transposes back
// into channel planes weigh against 27 multiply-adds per output (ShuffleNet's first layer, 3×3 stride 2 from
// 3 channels into 24 filters, ran at ~21 GMAC/s on two cores). Each tile is 6 filters × 16 consecutive outputs
// of one output row in 12 AVX2 accumulators: per patch value, 2 vectors of inputs loaded from the stride phases
// of a zero-padded copy of the input row (contiguous at any stride), 6 filter values broadcast, 12 FMAs (4 × 24
// needed 17 registers: one accumulator went through the stack every step, half the speed). The outputs go to
// their channel planes as they are.
//
// The sums: an FMA chain over the patch in im2col's order (channel, kernel row, kernel column) from 0, then the
// bias added — as sgemm.c sums a patch of one block of k (at most 256 values): the same bits as the packed
// product.
#include "include/prune_dense_kernels.h"
#include "filter_panels.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#include "stride2_lanes.h"

#define AVX2 __attribute__((target("avx2,fma")))

#include "transpose8.h"

/// Filters, vectors and output positions of a tile; the largest patch the kernel takes.
enum { RF = 6, RV = 2, RP = RV * 8, ROWS_MAX_PATCH = 64 };

/// The phases of the padded input rows that one output row reads: for channel c, kernel row i and phase p < sw,
/// row (c·kh + i)·sw + p holds x[c, iy, t·sw + p − pw] at t (0 outside the plane), `len` values apart.
typedef struct {
    float *data;
    long len;
} PhaseRows;

/// dst[t] = src[t·sw + p − pw] for t in [ta, tb) (all inside the wd-wide row); at stride 2, 8 values per step
/// (the even values of 16 from p − pw on, by a shuffle) while the 16 lie inside the row.
AVX2 static void copy_phases(const float *src, long wd, long sw, long p, long pw, long ta, long tb, float *dst) {
    long t = ta;
    if (sw == 2)
        for (; t + 8 <= tb && 2 * t + p - pw + 16 <= wd; t += 8)
            _mm256_storeu_ps(dst + t, in_order(every_other(src + 2 * t + p - pw, 0)));
    for (; t < tb; t++) dst[t] = src[t * sw + p - pw];
}

/// Fills `rows` for output row oy of the `channels` planes at x.
AVX2 static void fill_phases(const float *x, const prune_plane_window *g, long channels, long oy, PhaseRows *rows) {
    for (long c = 0; c < channels; c++)
        for (long i = 0; i < g->kh; i++) {
            const long iy = oy * g->sh - g->ph + i * g->dh;
            const float *src = iy >= 0 && iy < g->h ? x + (c * g->h + iy) * g->wd : NULL;
            for (long p = 0; p < g->sw; p++) {
                float *dst = rows->data + ((c * g->kh + i) * g->sw + p) * rows->len;
                // Columns t·sw + p − pw inside [0, wd): t in [ta, tb).
                long ta = p >= g->pw ? 0 : (g->pw - p + g->sw - 1) / g->sw;
                long tb = g->wd + g->pw - p <= 0 ? 0 : (g->wd + g->pw - p - 1) / g->sw + 1;
                if (!src || tb > rows->len) tb = src ? rows->len : 0;
                if (ta > tb) ta = tb;
                memset(dst, 0, (size_t)ta * sizeof(float));
                if (src) copy_phases(src, g->wd, g->sw, p, g->pw, ta, tb, dst);
                memset(dst + tb, 0, (size_t)(rows->len - tb) * sizeof(float));
            }
        }
}

/// Where patch value (c, i, j) of output column 0 sits in the phase rows.
static void tap_offsets(const prune_plane_window *g, long channels, long len, long *off) {
    for (long c = 0; c < channels; c++)
        for (long i = 0; i < g->kh; i++)
            for (long j = 0; j < g->kw; j++) {
                const long col = j * g->dw;
                off[(c * g->kh + i) * g->kw + j] = ((c * g->kh + i) * g->sw + col % g->sw) * len + col / g->sw;
            }
}

/// One tile: filters [f0, f0 + nf) (weights `wp`: per patch value, RF filter values) at output columns
/// [ox, ox + n) of row oy, into the planes at y (`plane` values apart) at position q of that row's start.
AVX2 static void tile(const float *in, const long *off, long k, const float *wp, const float *bias, long nf,
                      long n, float *y, long plane) {
    __m256 acc[RF][RV];
    for (int f = 0; f < RF; f++)
        for (int v = 0; v < RV; v++) acc[f][v] = _mm256_setzero_ps();
    for (long p = 0; p < k; p++) {
        const float *src = in + off[p];
        const __m256 x0 = _mm256_loadu_ps(src), x1 = _mm256_loadu_ps(src + 8);
        for (int f = 0; f < RF; f++) {
            const __m256 w = _mm256_broadcast_ss(wp + p * RF + f);
            acc[f][0] = _mm256_fmadd_ps(w, x0, acc[f][0]);
            acc[f][1] = _mm256_fmadd_ps(w, x1, acc[f][1]);
        }
    }
    for (int f = 0; f < RF; f++) {   // constant indices: the accumulators stay in registers
        if (f >= nf) break;
        float *dst = y + f * plane;
        for (int v = 0; v < RV; v++) {
            __m256 s = acc[f][v];
            if (bias) s = _mm256_add_ps(s, _mm256_set1_ps(bias[f]));
            if ((v + 1) * 8 <= n) _mm256_storeu_ps(dst + v * 8, s);
            else if (v * 8 < n) store_first(dst + v * 8, s, n - v * 8);   // not memcpy: a sixth of the time
        }
    }
}

/// Output columns [xa, xb) of row oy for every filter block.
AVX2 static void row_tiles(const PhaseRows *rows, const long *off, long k, const float *panels, const float *bias,
                           long filters, long xa, long xb, float *y, long plane) {
    for (long f0 = 0; f0 < filters; f0 += RF) {
        const long nf = filters - f0 < RF ? filters - f0 : RF;
        for (long ox = xa; ox < xb; ox += RP)
            tile(rows->data + ox, off, k, panels + f0 * k, bias ? bias + f0 : NULL, nf, xb - ox < RP ? xb - ox : RP,
                 y + f0 * plane + ox, plane);
    }
}

int prune_conv_rows_f32(const float *x, prune_plane_window g, int64_t channels, const float *w, int64_t filters,
                        const float *bias, int64_t q0, int64_t count, float *y) {
    const long k = channels * g.kh * g.kw, plane = g.oh * g.ow;
    if (k > ROWS_MAX_PATCH || count <= 0 || !__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma"))
        return 0;
    PhaseRows rows = {NULL, g.ow + ((g.kw - 1) * g.dw) / g.sw + RP};
    rows.data = malloc((size_t)(channels * g.kh * g.sw * rows.len) * sizeof(float));
    float *panels = malloc((size_t)((filters + RF - 1) / RF * RF * k) * sizeof(float));
    long off[ROWS_MAX_PATCH];
    if (!rows.data || !panels) {
        free(rows.data);
        free(panels);
        return 0;
    }
    pack_filter_panels(w, filters, k, RF, panels);   // blocks of RF filters
    tap_offsets(&g, channels, rows.len, off);
    for (long oy = q0 / g.ow; oy * g.ow < q0 + count; oy++) {
        const long start = oy * g.ow, xa = q0 > start ? q0 - start : 0;
        const long xb = q0 + count - start < g.ow ? q0 + count - start : g.ow;
        fill_phases(x, &g, channels, oy, &rows);
        row_tiles(&rows, off, k, panels, bias, filters, xa, xb, y + start, plane);
    }
    free(rows.data);
    free(panels);
    return 1;
}
#else
int prune_conv_rows_f32(const float *x, prune_plane_window g, int64_t channels, const float *w, int64_t filters,
                        const float *bias, int64_t q0, int64_t count, float *y) {
    return 0;
}
#endif
