// The direct tile (direct_tiles.h) in AVX-512: the same sums as the AVX2 tile (direct_tiles_avx2.h), twice as
// wide. On a CPU with AVX-512 the sgemm's tile holds 12 × 32 sums; the AVX2 direct tile beside it (6 × 16 in
// ymm registers) ran no faster than im2col and the AVX-512 sgemm (stop 63: LeNet-5's training 4,183 / 4,320 →
// 4,645 / 4,058 samples/s), so the direct kernels there run this one: 12 accumulators of 16 lanes, either 6
// positions × 32 filters (two of the 16-filter panels) or 12 positions × 16 filters (one panel, where at most
// 16 filters are left); at stride 1 over rows of at least 12 positions, 12 positions × 16 or 32 filters (12 or
// 24 accumulators) read from two row addresses. Include after <immintrin.h> inside an x86-64 block that
// defines AVX512.
#ifndef PRUNE_DIRECT_TILES_AVX512_H
#define PRUNE_DIRECT_TILES_AVX512_H
#include "direct_tiles.h"

/// Positions and filters the AVX-512 tiles cover: 12 × 16 or 6 × 32 (WP / 2 positions of two panels).
enum { WP = 12, WF = 32 };

/// sum[r] (r < positions, its first `panels`·16 filters) = acc[r] plus `bias` for the `first` block (as it is
/// when NULL), plus the sum so far for a later one.
static inline __attribute__((always_inline)) AVX512 void
finish_block(const int positions, const int panels, __m512 acc[WP][2], int first, const float *bias,
             float sum[][WF]) {
    for (int r = 0; r < positions; r++)
        for (int h = 0; h < panels; h++) {
            __m512 s = acc[r][h];
            if (!first) s = _mm512_add_ps(_mm512_load_ps(sum[r] + h * TF), s);
            else if (bias) s = _mm512_add_ps(s, _mm512_loadu_ps(bias + h * TF));
            _mm512_store_ps(sum[r] + h * TF, s);
        }
}

/// sum[r] (position r's `panels`·16 filters, r < positions) = the block [k0, k1) of the patch products: for the
/// `first` block plus `bias` (or as it is when NULL), for a later one plus the sum so far. The second panel is
/// `next` values past the first. One FMA per position, filter and k in k order: tile_block's chains.
static inline __attribute__((always_inline)) AVX512 void
wide_block(const int positions, const int panels, const float *const base[], const int64_t *off, long k0, long k1,
           const float *panel, long next, int first, const float *bias, float sum[][WF]) {
    __m512 acc[WP][2];
    for (int r = 0; r < positions; r++)
        for (int h = 0; h < panels; h++) acc[r][h] = _mm512_setzero_ps();
    for (long p = k0; p < k1; p++) {
        const __m512 w0 = _mm512_loadu_ps(panel + p * TF);
        const __m512 w1 = panels > 1 ? _mm512_loadu_ps(panel + next + p * TF) : w0;
        const int64_t o = off[p];
        for (int r = 0; r < positions; r++) {
            const __m512 x = _mm512_set1_ps(base[r][o]);
            acc[r][0] = _mm512_fmadd_ps(x, w0, acc[r][0]);
            if (panels > 1) acc[r][1] = _mm512_fmadd_ps(x, w1, acc[r][1]);
        }
    }
    finish_block(positions, panels, acc, first, bias, sum);
}

/// The sums of a tile of WP positions × `panels`·16 filters whose positions lie in at most two output rows at
/// stride 1, the first `split` in one: position r reads from b0 + r before the split and b1 + r after it, two
/// address registers whatever r (12 pointers, as wide_block holds them, spilled to the stack: 5 reloads per 12
/// FMAs, more loads than the ports take). Two panels make 24 accumulators, two weight vectors and a broadcast
/// in the 32 registers. The same FMA chains as wide_block's.
static inline __attribute__((always_inline)) AVX512 void
split_sums(const int split, const int panels, const float *b0, const float *b1, const int64_t *off, long k0,
           long k1, const float *panel, long next, __m512 acc[WP][2]) {
    for (long p = k0; p < k1; p++) {
        const __m512 w0 = _mm512_loadu_ps(panel + p * TF);
        const __m512 w1 = panels > 1 ? _mm512_loadu_ps(panel + next + p * TF) : w0;
        const float *a0 = b0 + off[p], *a1 = b1 + off[p];
        for (int r = 0; r < WP; r++) {
            const __m512 x = _mm512_set1_ps((r < split ? a0 : a1)[r]);
            acc[r][0] = _mm512_fmadd_ps(x, w0, acc[r][0]);
            if (panels > 1) acc[r][1] = _mm512_fmadd_ps(x, w1, acc[r][1]);
        }
    }
}

#define SPLIT_CASE(S) \
    case S: \
        if (panels > 1) split_sums(S, 2, b0, b1, off, k0, k1, panel, next, acc); \
        else split_sums(S, 1, b0, b1, off, k0, k1, panel, next, acc); \
        break;

/// sum[r] for the block [k0, k1) of such a tile (its first `panels`·16 filters): for the `first` block plus
/// `bias` (or as it is when NULL), for a later one plus the sum so far.
static AVX512 void split_block(int split, int panels, const float *b0, const float *b1, const int64_t *off,
                               long k0, long k1, const float *panel, long next, int first, const float *bias,
                               float sum[WP][WF]) {
    __m512 acc[WP][2];
    for (int r = 0; r < WP; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    switch (split) {
        SPLIT_CASE(1) SPLIT_CASE(2) SPLIT_CASE(3) SPLIT_CASE(4) SPLIT_CASE(5) SPLIT_CASE(6)
        SPLIT_CASE(7) SPLIT_CASE(8) SPLIT_CASE(9) SPLIT_CASE(10) SPLIT_CASE(11) SPLIT_CASE(12)
        default: break;
    }
    finish_block(WP, panels, acc, first, bias, sum);
}

/// The block [k0, k1) of a tile of `count` (≤ WP) positions from base and `filters` from panel: 6 × 32 twice when
/// more than 16 filters are left (once when at most 6 positions), else 12 × 16.
static inline __attribute__((always_inline)) AVX512 void
wide_tile_block(const float *const base[WP], long count, long filters, const int64_t *off, long k0, long k1,
                const float *panel, long next, int first, const float *bias, float sum[WP][WF]) {
    if (filters <= TF) {
        wide_block(WP, 1, base, off, k0, k1, panel, next, first, bias, sum);
        return;
    }
    wide_block(WP / 2, 2, base, off, k0, k1, panel, next, first, bias, sum);
    if (count > WP / 2) wide_block(WP / 2, 2, base + WP / 2, off, k0, k1, panel, next, first, bias, sum + WP / 2);
}

#endif
