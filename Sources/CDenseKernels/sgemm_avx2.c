// sgemm.c's kernels for CPUs with AVX2 and FMA (see sgemm_kernels.h). AVX2 has 16 vector registers of 8
// floats, so a 12×32 panel pair is multiplied as 6×16 tiles (12 accumulators, two vectors of B and six
// broadcasts of A per step of k; the Haswell-class tile of BLIS and OpenBLAS), the B half-panel (16 KB for
// 256 steps of k) kept in L1 while the A panels stream past it. Transposed operands are packed by 8×8
// in-register transposes; partial tiles are read and written with masked loads and stores.
#include "sgemm_kernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma")))
#define UNROLL _Pragma("GCC unroll 8")
#include "transpose8.h"
#include "cpu_features.h"
#include "epilogue_avx2.h"

/// A tile's rows and columns.
enum { TR = 6, TC = 16 };

/// Rows [p0, p0 + kc) and columns [j0, j0 + cols) of a transposed op(B) (B stored n×k), cols ≤ NR, as one
/// panel: for each p, the NR values of those columns (zeros past cols), turned 8×8 blocks at a time.
static AVX2 void pack_transposed_b(const float *b, long ldb, long p0, long kc, long j0, long cols, float *panel) {
    for (long jb = 0; jb < NR; jb += 8) {
        const int rows = (int)(cols - jb < 0 ? 0 : cols - jb < 8 ? cols - jb : 8);
        long p = 0;
        for (; p + 8 <= kc; p += 8) transpose8(b + (j0 + jb) * ldb + p0 + p, ldb, rows, panel + p * NR + jb, NR, 8);
        pack_transposed_columns(b, ldb, p0, p, kc, j0, jb, jb + 8, cols, panel);
    }
}

/// Rows of a row-major op(B) into the NR-column panels, panel by panel (see sgemm_kernels.h).
static AVX2 void pack_rows(const float *b, long ldb, long rows, long nc, long kc, float *dst) {
    for (long q = 0; q < nc; q += NR) {
        float *d = dst + q * kc;
        for (long r = 0; r < rows; r++)
            UNROLL for (int v = 0; v < NR / 8; v++)
                _mm256_store_ps(d + r * NR + 8 * v,
                                _mm256_maskload_ps(b + r * ldb + q + 8 * v, first_lanes(nc - q - 8 * v)));
    }
}

/// Rows [i0, i0 + mc) and columns [p0, p0 + kc) of op(A) as MR-row panels: panel q holds, for each p,
/// the MR values of rows i0 + q·MR … (zeros past mc). A row-major A is turned 8 columns at a time (its
/// rows 0–7 and 8–11 as two transposes).
static AVX2 void pack_a(const float *a, long lda, int trans, long i0, long mc, long p0, long kc, float *dst) {
    for (long q = 0; q < mc; q += MR) {
        const long rows = mc - q < MR ? mc - q : MR;
        float *panel = dst + (q / MR) * MR * kc;
        long p = 0;
        if (!trans)
            for (; p + 8 <= kc; p += 8) {
                const float *s = a + (i0 + q) * lda + p0 + p;
                transpose8(s, lda, (int)(rows < 8 ? rows : 8), panel + p * MR, MR, 8);
                transpose8(s + 8 * lda, lda, (int)(rows > 8 ? rows - 8 : 0), panel + p * MR + 8, MR, 4);
            }
        pack_a_columns(a, lda, trans, i0 + q, rows, p0, p, kc, panel);
    }
}

/// alpha·x, plus `bias` when not NULL, else plus beta·C (from `row`, lanes `mask`) when beta is not 0.
static inline __attribute__((always_inline)) AVX2 __m256
scaled(__m256 x, float alpha, float beta, const float *bias, const float *row, __m256i mask) {
    // The bias as if C held it and beta were 1: fma(1, bias, y) is y + bias rounded once.
    x = _mm256_mul_ps(_mm256_set1_ps(alpha), x);
    if (bias) return _mm256_add_ps(x, _mm256_set1_ps(*bias));
    if (beta != 0) return _mm256_fmadd_ps(_mm256_set1_ps(beta), _mm256_maskload_ps(row, mask), x);
    return x;
}

/// A tile's rows in registers (acc0[r] columns 0–7 of row r, acc1[r] columns 8–15 when `wide` is 2) into C:
/// alpha·x, plus bias[r] on row r when `bias` is not NULL, else plus beta·C (beta 0 never reads C), then the
/// epilogue's steps when `te.e` is not NULL, stored to the first `cols` columns.
static inline __attribute__((always_inline)) AVX2 void
finish(const int mr, const int wide, __m256 *acc0, __m256 *acc1, float *c, long ldc, long cols, float alpha,
       float beta, const float *bias, TileEpilogue te) {
    const __m256i m0 = first_lanes(cols), m1 = first_lanes(cols - 8);
    UNROLL for (int r = 0; r < mr; r++) {
        const float *b = bias ? bias + r : NULL;
        acc0[r] = scaled(acc0[r], alpha, beta, b, c + r * ldc, m0);
        if (wide == 2) acc1[r] = scaled(acc1[r], alpha, beta, b, c + r * ldc + 8, m1);
    }
    if (te.e)
        for (int s = 0; s < te.e->count; s++) {
            epilogue_step(mr, &te.e->steps[s], &te, te.offset, ldc, acc0, m0);
            if (wide == 2) epilogue_step(mr, &te.e->steps[s], &te, te.offset + 8, ldc, acc1, m1);
        }
    UNROLL for (int r = 0; r < mr; r++) {
        store_first(c + r * ldc, acc0[r], cols);
        if (wide == 2) store_first(c + r * ldc + 8, acc1[r], cols - 8);
    }
}

/// C[0..<mr][0..<cols] = alpha·(A rows · B half-panel) + beta·C over kc steps, or + bias[r] on row r when
/// `bias` is not NULL, then the epilogue's steps when `te.e` is not NULL; beta 0 never reads C. `ap` points at
/// the tile's first row in its MR-row panel, `bp` at its first column: in its NR-column panel (`ldb` NR), or
/// in a row-major B read where it lies (`ldb` its row stride). `mr` and `wide` (vectors of 8 columns: 2, or 1
/// when cols ≤ 8) are constants in each caller.
static inline __attribute__((always_inline)) AVX2 void
tile(const int mr, const int wide, long kc, const float *ap, const float *bp, long ldb, float *c, long ldc,
     long cols, float alpha, float beta, const float *bias, TileEpilogue te) {
    __m256 acc0[TR], acc1[TR];
    UNROLL for (int r = 0; r < mr; r++) { acc0[r] = _mm256_setzero_ps(); acc1[r] = _mm256_setzero_ps(); }
    for (long p = 0; p < kc; p++) {
        const __m256 b0 = _mm256_loadu_ps(bp), b1 = wide == 2 ? _mm256_loadu_ps(bp + 8) : b0;
        UNROLL for (int r = 0; r < mr; r++) {
            const __m256 av = _mm256_broadcast_ss(ap + r);
            acc0[r] = _mm256_fmadd_ps(av, b0, acc0[r]);
            if (wide == 2) acc1[r] = _mm256_fmadd_ps(av, b1, acc1[r]);
        }
        ap += MR;
        bp += ldb;
    }
    finish(mr, wide, acc0, acc1, c, ldc, cols, alpha, beta, bias, te);
}

#define TILE_CASE(R) \
    case R: if (cols > 8) tile(R, 2, kc, ap, bp, ldb, c, ldc, cols, alpha, beta, bias, te); \
            else tile(R, 1, kc, ap, bp, ldb, c, ldc, cols, alpha, beta, bias, te); break;

/// The tile for `mr` rows (1 … TR) and `cols` columns (1 … TC), B's rows `ldb` apart, inlined into the loop
/// nest.
static inline __attribute__((always_inline)) AVX2 void
tile_rows(int mr, long kc, const float *ap, const float *bp, long ldb, float *c, long ldc, long cols, float alpha,
          float beta, const float *bias, TileEpilogue te) {
    switch (mr) {
        TILE_CASE(1) TILE_CASE(2) TILE_CASE(3) TILE_CASE(4) TILE_CASE(5) TILE_CASE(TR)
        default: break;
    }
}

/// The last few columns of a product (1 … LANE_COLS) with the rows in the lanes, column by column: per step of
/// k, each A panel's 12 values as a vector of 8 and one of 4 and the column's B value broadcast, two fused
/// multiply-adds per panel. A 6×16 tile on a 1-column tail spends 6 broadcasts and 6 FMAs a step on one
/// column's 6 rows. Every sum is a chain of dependent FMAs (one per k, in the tile's order, so the same bits:
/// a·b = b·a before the one rounding), so four panels run at once to keep eight chains in flight. The sums are
/// then turned back into tile rows (columns in the lanes) for `finish`. A 1×1 layer of 176 filters from 512
/// channels, one core: 48 + t positions 121–122 µs for t = 1, 2, 3 → 107 / 113 / 117 µs (48: 98 µs); each
/// column costs about 5.5 µs this way against 22 for the tile's narrow pass, so 4 columns and more stay there
/// (4: 121 → 123 µs). Sharing each A load among 2–4 columns measured slower (fewer panels in flight).
enum { LANE_COLS = 3, LANE_PANELS = 4 };

/// The sums of `np` A panels (at ap, MR·kc apart) with the B column at bp (NR apart), into sums[q][r] (panel
/// q, row r).
static inline __attribute__((always_inline)) AVX2 void
lane_sums(const int np, long kc, const float *ap, const float *bp, float sums[LANE_PANELS][MR]) {
    __m256 lo[LANE_PANELS];
    __m128 hi[LANE_PANELS];
    UNROLL for (int q = 0; q < np; q++) { lo[q] = _mm256_setzero_ps(); hi[q] = _mm_setzero_ps(); }
    const long panel = MR * kc;
    for (long p = 0; p < kc; p++) {
        const __m256 b = _mm256_broadcast_ss(bp);
        UNROLL for (int q = 0; q < np; q++) {
            lo[q] = _mm256_fmadd_ps(_mm256_loadu_ps(ap + q * panel), b, lo[q]);
            hi[q] = _mm_fmadd_ps(_mm_loadu_ps(ap + q * panel + 8), _mm256_castps256_ps128(b), hi[q]);
        }
        ap += MR;
        bp += NR;
    }
    UNROLL for (int q = 0; q < np; q++) { _mm256_storeu_ps(sums[q], lo[q]); _mm_storeu_ps(sums[q] + 8, hi[q]); }
}

/// The sums of `np` (1 … LANE_PANELS) panels with one column.
static AVX2 void lane_block(int np, long kc, const float *ap, const float *bp, float sums[LANE_PANELS][MR]) {
    switch (np) {
    case 1: lane_sums(1, kc, ap, bp, sums); break;
    case 2: lane_sums(2, kc, ap, bp, sums); break;
    case 3: lane_sums(3, kc, ap, bp, sums); break;
    default: lane_sums(LANE_PANELS, kc, ap, bp, sums); break;
    }
}

/// Rows [0, rows) (≤ MR) of `cols` columns at `c` from panel `panel`'s sums (sums[j][panel][r]: column j,
/// row r): each 6-row half through `finish` as a tile of `cols` columns.
static AVX2 void lane_finish(float sums[LANE_COLS][LANE_PANELS][MR], int panel, float *c, long ldc, long rows,
                             long cols, float alpha, float beta, const float *bias, TileEpilogue te) {
    for (long r0 = 0; r0 < rows; r0 += TR) {
        const int mr = (int)(rows - r0 < TR ? rows - r0 : TR);
        __m256 acc[TR];
        for (int r = 0; r < mr; r++) {
            float row[8] = { 0 };
            for (long j = 0; j < cols; j++) row[j] = sums[j][panel][r0 + r];
            acc[r] = _mm256_loadu_ps(row);
        }
        const TileEpilogue half = { te.e, te.row + r0, te.offset + r0 * ldc, te.fused_affine };
        finish(mr, 1, acc, acc, c + r0 * ldc, ldc, cols, alpha, beta, bias ? bias + r0 : NULL, half);
    }
}

/// All mc rows of the last `cols` (≤ LANE_COLS) columns of a block, LANE_PANELS A panels at a time. `te` is
/// the first row's. Not inlined: inside `block` it made the 6×16 tiles spill their accumulators (every product
/// ran about twice as long).
static __attribute__((noinline)) AVX2 void
lane_columns(long mc, long kc, const float *pa, const float *bp, float *c, long ldc, long cols, float alpha,
             float beta, const float *bias, TileEpilogue te) {
    float sums[LANE_COLS][LANE_PANELS][MR];
    const long panels = (mc + MR - 1) / MR;
    for (long q0 = 0; q0 < panels; q0 += LANE_PANELS) {
        const int np = (int)(panels - q0 < LANE_PANELS ? panels - q0 : LANE_PANELS);
        for (long j = 0; j < cols; j++) lane_block(np, kc, pa + q0 * MR * kc, bp + j, sums[j]);
        for (int t = 0; t < np; t++) {
            const long ir = (q0 + t) * MR;
            const TileEpilogue at = { te.e, te.row + ir, te.offset + ir * ldc, te.fused_affine };
            lane_finish(sums, t, c + ir * ldc, ldc, mc - ir < MR ? mc - ir : MR, cols, alpha, beta,
                        bias ? bias + ir : NULL, at);
        }
    }
}

/// Asks for the C rows [0, rows) of a tile's 16 columns at `c`, to be written (PREFETCHW) when `for_write`,
/// else read (the CPUs without PREFETCHW). A product with a short k writes C faster than the hardware
/// prefetcher brings its lines in (a 4096×4096 C at k 64: 38–40 → 26–27 ms), and a convolution whose output
/// lines another core last touched waits on that core for each (SqueezeNet's first convolution and its max
/// pooling, batch 1: 1.13 → 0.91 ms). In a model, an output buffer was last read by both cores as an earlier
/// layer's input: a line asked for reading comes shared, and the store then waits to own it; asked for
/// writing it comes owned (ResNet-50 dense, batch 1: 64.4–68.3 → 62.6–63.5 ms; a chain of eight 3×3 256-channel
/// layers over 14×14: 14.4–14.7 → 13.9–14.2 ms).
static inline __attribute__((always_inline)) void prefetch_tile(const float *c, long ldc, long rows,
                                                                int for_write) {
    for (long r = 0; r < rows; r++) {
        if (for_write) {
            prune_prefetch_for_write(c + r * ldc);
            prune_prefetch_for_write(c + r * ldc + TC - 1);
        } else {
            __builtin_prefetch(c + r * ldc, 0, 3);
            __builtin_prefetch(c + r * ldc + TC - 1, 0, 3);
        }
    }
}

/// The 6-row tiles of all mc rows of a block for `cols` columns (≤ TC) at `c`, their B columns at `bp` (rows
/// `ldb` apart: NR in a packed panel), the C rows of the tile two below asked for while each is multiplied.
/// `te` is the block's first row's at these columns.
static inline __attribute__((always_inline)) AVX2 void
column_of_tiles(long mc, long kc, const float *pa, const float *bp, long ldb, float *c, long ldc, long cols,
                float alpha, float beta, const float *bias, TileEpilogue te, int for_write) {
    for (long ir = 0; ir < mc; ir += TR) {
        const int rows = (int)(mc - ir < TR ? mc - ir : TR);
        const long ahead = ir + 2 * TR;
        if (ahead < mc) prefetch_tile(c + ahead * ldc, ldc, mc - ahead < TR ? mc - ahead : TR, for_write);
        const TileEpilogue at = { te.e, te.row + ir, te.offset + ir * ldc, te.fused_affine };
        tile_rows(rows, kc, pa + ir / MR * MR * kc + ir % MR, bp, ldb, c + ir * ldc, ldc, cols, alpha, beta,
                  bias ? bias + ir : NULL, at);
    }
}

/// One packed mc×kc block of A against a packed kc×nc block of B (see sgemm_kernels.h): for each 16-column
/// half of each B panel, the 6-row halves of every A panel (`column_of_tiles`).
static AVX2 void block(long mc, long nc, long kc, const float *pa, const float *pb, float *c, long ldc, float alpha,
                       float beta, const float *bias, const prune_epilogue *e, long row0, long offset0) {
    const int fused_affine = e && __builtin_cpu_supports("avx512f"), for_write = prune_cpu_has_prefetchw();
    for (long jr = 0; jr < nc; jr += NR)
        for (long h = 0; h < NR && jr + h < nc; h += TC) {
            const long cols = nc - jr - h < TC ? nc - jr - h : TC;
            const TileEpilogue te = { e, row0, offset0 + jr + h, fused_affine };
            if (cols <= LANE_COLS)
                lane_columns(mc, kc, pa, pb + jr * kc + h, c + jr + h, ldc, cols, alpha, beta, bias, te);
            else
                column_of_tiles(mc, kc, pa, pb + jr * kc + h, NR, c + jr + h, ldc, cols, alpha, beta, bias, te,
                                for_write);
        }
}

/// One packed mc×kc block of A against kc rows of a row-major B read where it lies (rows `ldb` apart, nc
/// columns from `b`), for a short k (see sgemm_kernels.h): each 16 columns' tiles load their B vectors from
/// B's rows, not from a packed panel; the last nc mod 16 columns are packed into `tail` (room for NR·kc)
/// and go through `block`. The same operations in the same order as packing every column, so the same bits.
static AVX2 void block_in_place(long mc, long nc, long kc, const float *pa, const float *b, long ldb, float *tail,
                                float *c, long ldc, float alpha, float beta, const float *bias,
                                const prune_epilogue *e, long row0, long offset0) {
    const int fused_affine = e && __builtin_cpu_supports("avx512f"), for_write = prune_cpu_has_prefetchw();
    const long full = nc / TC * TC;
    for (long j = 0; j < full; j += TC) {
        const TileEpilogue te = { e, row0, offset0 + j, fused_affine };
        column_of_tiles(mc, kc, pa, b + j, ldb, c + j, ldc, TC, alpha, beta, bias, te, for_write);
    }
    if (full == nc) return;
    for (long p = 0; p < kc; p += 8) pack_rows(b + p * ldb + full, ldb, kc - p < 8 ? kc - p : 8, nc - full, kc,
                                               tail + p * NR);
    block(mc, nc - full, kc, pa, tail, c + full, ldc, alpha, beta, bias, e, row0, offset0 + full);
}

const SgemmKernels prune_sgemm_avx2 = { pack_a, prune_pack_patch_panels_avx2, pack_transposed_b, pack_rows, block,
                                        block_in_place, NULL };
#endif
