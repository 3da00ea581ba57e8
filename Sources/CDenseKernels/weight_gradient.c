// The weight gradient of a convolution without a patch matrix:
//   dW[f][c, i, j] += Σ_{y, x} g[f][y, x] · x[c][y·sh − ph + i·dh][x·sw − pw + j·dw]
// is the direct convolution's tile (direct_tiles_avx2.h) with the roles turned: the patch values (c, i, j) are
// its positions, broadcast from the zero-padded input rows, the output gradient's planes its filter panels (16
// filters in the lanes), and the output positions (y, x) the index it sums over. Each tile of 6 patch values ×
// 16 filters adds its sums into an accumulator laid out [patch value][filters rounded up to 16] (the gradient
// transposed), so images add up where they land with no transposes until the caller's last. The backward pass
// laid out each image's patch matrix and packed it again, transposed, for the sgemm (LeNet-5's training: a
// tenth of its time in the two copies). Where the sgemm runs its AVX-512 kernels, the AVX-512 tiles
// (direct_tiles_avx512.h): 12 patch values × 16 filters, or 6 × 32.
//
// Sums: per accumulator value, its value so far plus an FMA chain over a block of (y, x) in order (the blocks
// of k_step), block after block.
#include "sgemm_kernels.h"
#include "direct_tiles.h"

int64_t prune_conv_weight_grad_width(int64_t filters) { return filters > 0 ? (filters + TF - 1) / TF * TF : 0; }

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
#define AVX512 __attribute__((target("avx512f")))
#include "direct_tiles_avx2.h"
#include "direct_tiles_avx512.h"
#include "transpose8.h"

/// The output gradient's planes (`filters` rows of l values) as panels of TF filters for each position
/// (pack_filter_panels' layout), 8 positions × 8 filters per transpose (value by value, the packing took a
/// tenth as long as the tiles on LeNet-5's layers).
static AVX2 void pack_gradient_panels(const float *gout, long filters, long l, float *dst) {
    for (long f0 = 0; f0 < filters; f0 += TF) {
        float *panel = dst + f0 * l;
        for (long p = 0; p < l; p += 8) {
            const int columns = (int)(l - p < 8 ? l - p : 8);
            for (long h = 0; h < TF; h += 8) {
                const long rows = filters - f0 - h < 0 ? 0 : filters - f0 - h;
                transpose8_some(gout + (f0 + h) * l + p, l, (int)rows, columns, panel + p * TF + h, TF, 8, columns);
            }
        }
    }
}

/// The first input value each of a tile's `slots` patch values from t reads (the last repeated past `count`).
static inline void gradient_bases(const PaddedRows *rows, const prune_plane_window *g, long t, long count,
                                  const float *base[], int slots) {
    const long kk = g->kh * g->kw;
    for (int r = 0; r < slots; r++) {
        const long q = t + (r < count ? r : count - 1), c = q / kk, i = q % kk / g->kw, j = q % g->kw;
        base[r] = rows->data + (c * rows->count + i * g->dh) * rows->width + j * g->dw;
    }
}

/// The offset of output position (y, x) from a patch value's first input, in the padded rows.
static int64_t *position_offsets(const prune_plane_window *g, const PaddedRows *rows) {
    int64_t *off = malloc((size_t)(g->oh * g->ow) * sizeof(int64_t));
    if (!off) return NULL;
    for (long y = 0; y < g->oh; y++)
        for (long x = 0; x < g->ow; x++) off[y * g->ow + x] = y * g->sh * rows->width + x * g->sw;
    return off;
}

/// The accumulator's first `count` rows (`width` apart) of `columns` filters into a tile's `slots` rows of sums
/// (`ld` apart; rows past count zeroed), or back.
static inline void load_sums(const float *acc, long width, long count, long slots, long columns, float *sum,
                             long ld) {
    for (long r = 0; r < slots; r++)
        for (long f = 0; f < columns; f++) sum[r * ld + f] = r < count ? acc[r * width + f] : 0;
}

static inline void store_sums(const float *sum, long ld, long width, long count, long columns, float *acc) {
    for (long r = 0; r < count; r++) memcpy(acc + r * width, sum + r * ld, (size_t)columns * sizeof(float));
}

/// Every block of output positions, then every tile of patch values and panel of filters: a block's panels stay
/// in cache while the tiles pass over them.
static AVX2 void gradient_tiles(const PaddedRows *rows, const prune_plane_window *g, const int64_t *off,
                                const float *panels, long width, long values, float *acc) {
    const long l = g->oh * g->ow, step = k_step(l);
    float sum[TP][TF] __attribute__((aligned(32)));
    const float *base[TP];
    for (long p = 0; p < l; p += step) {
        const long end = p + step < l ? p + step : l;
        for (long t = 0; t < values; t += TP) {
            const long count = values - t < TP ? values - t : TP;
            gradient_bases(rows, g, t, count, base, TP);
            for (long f = 0; f < width; f += TF) {
                load_sums(acc + t * width + f, width, count, TP, TF, sum[0], TF);
                tile_block(base, off, p, end, panels + f * l, 0, NULL, sum);
                store_sums(sum[0], TF, width, count, TF, acc + t * width + f);
            }
        }
    }
}

/// gradient_tiles in the AVX-512 tiles (direct_tiles_avx512.h): WP patch values × 32 filters (two panels).
static AVX512 void gradient_tiles_avx512(const PaddedRows *rows, const prune_plane_window *g, const int64_t *off,
                                         const float *panels, long width, long values, float *acc) {
    const long l = g->oh * g->ow, step = k_step(l);
    float sum[WP][WF] __attribute__((aligned(64)));
    const float *base[WP];
    for (long p = 0; p < l; p += step) {
        const long end = p + step < l ? p + step : l;
        for (long t = 0; t < values; t += WP) {
            const long count = values - t < WP ? values - t : WP;
            gradient_bases(rows, g, t, count, base, WP);
            for (long f = 0; f < width; f += WF) {
                const long columns = width - f < WF ? width - f : WF;
                load_sums(acc + t * width + f, width, count, WP, columns, sum[0], WF);
                wide_tile_block(base, count, columns, off, p, end, panels + f * l, TF * l, 0, NULL, sum);
                store_sums(sum[0], WF, width, count, columns, acc + t * width + f);
            }
        }
    }
}

int prune_conv_weight_grad_f32(const float *x, prune_plane_window g, int64_t channels, const float *gout,
                               int64_t filters, float *acc) {
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return 0;
    const long l = g.oh * g.ow, width = prune_conv_weight_grad_width(filters), values = channels * g.kh * g.kw;
    if (l <= 0 || width <= 0 || values <= 0) return 1;
    float *panels = malloc((size_t)(width * l) * sizeof(float));
    PaddedRows rows = { NULL, 0, 0, 0 };
    const int padded = panels && pad_rows(x, &g, channels, 0, g.oh - 1, &rows);
    int64_t *off = padded ? position_offsets(&g, &rows) : NULL;
    if (off) {
        pack_gradient_panels(gout, filters, l, panels);
        const int wide = strcmp(prune_sgemm_kernels(), "AVX-512") == 0;
        (wide ? gradient_tiles_avx512 : gradient_tiles)(&rows, &g, off, panels, width, values, acc);
    }
    free(panels); free(rows.data); free(off);
    return off != NULL;
}

#else
int prune_conv_weight_grad_f32(const float *x, prune_plane_window g, int64_t channels, const float *gout,
                               int64_t filters, float *acc) {
    (void)x; (void)g; (void)channels; (void)gout; (void)filters; (void)acc;
    return 0;
}
#endif
