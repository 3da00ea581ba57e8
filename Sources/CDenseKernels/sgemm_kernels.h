// What sgemm.c's loop nest asks of an instruction set: packing op(A) and op(B) into the shared panel layout
// and multiplying a packed block of A by a packed block of B into C. One table per instruction set
// (sgemm_avx512.c, sgemm_avx2.c); sgemm.c picks the table for the CPU once.
//
// The layout is the same for every table, so a packed A (prune_sgemm_pack_a) is valid whichever runs:
// op(A) in MR-row panels (for each k, the MR values of the panel's rows, zeros past the last row),
// op(B) in NR-column panels (for each k, the NR values of the panel's columns, zeros past the last).
// Each C[i][j] is alpha·Σ_k A[i][k]·B[k][j], one fused multiply-add per k in k order within a block of k,
// so every table gives the same bits for the products themselves.
#ifndef PRUNE_SGEMM_KERNELS_H
#define PRUNE_SGEMM_KERNELS_H
#include "include/prune_dense_kernels.h"
#include "patch_panels.h"

enum { MR = 12, NR = PRUNE_PANEL_WIDTH, KC = 256, MC = 240, NC = 384 };

/// k in blocks of at most KC, as even as multiples of 16 allow (576 → 3 × 192, not 256 + 256 + 64).
static inline long k_step(long k) {
    long blocks = (k + KC - 1) / KC;
    return ((k + blocks - 1) / blocks + 15) / 16 * 16;
}

/// Where op(B) comes from: a matrix (`b`, rows `ldb` apart, transposed when `trans`), or, when `image` is
/// not NULL, the patch matrix of the planes at `image` (window `window`) from its column `column0`.
typedef struct {
    const float *b;
    long ldb;
    int trans;
    const float *image;
    const prune_plane_window *window;
    long column0;
} BSource;

/// Columns [p, kc) of an A panel (rows `first` … first + rows − 1 of op(A), from column p0 of op(A)) value
/// by value, zeros past `rows`: what the packers' register transposes leave over.
static inline void pack_a_columns(const float *a, long lda, int trans, long first, long rows, long p0, long p,
                                  long kc, float *panel) {
    for (; p < kc; p++) {
        float *d = panel + p * MR;
        if (trans) {
            const float *s = a + (p0 + p) * lda + first;
            for (long r = 0; r < rows; r++) d[r] = s[r];
        } else {
            const float *s = a + first * lda + p0 + p;
            for (long r = 0; r < rows; r++) d[r] = s[r * lda];
        }
        for (long r = rows; r < MR; r++) d[r] = 0;
    }
}

/// Rows [p, kc) of panel columns [j, j_end) of a transposed op(B) (B stored n×k, the panel's first column
/// j0, `cols` of them real) value by value, zeros past cols.
static inline void pack_transposed_columns(const float *b, long ldb, long p0, long p, long kc, long j0, long j,
                                           long j_end, long cols, float *panel) {
    for (; j < j_end; j++) {
        const float *s = b + (j0 + j) * ldb + p0;
        for (long q = p; q < kc; q++) panel[q * NR + j] = j < cols ? s[q] : 0;
    }
}

typedef struct {
    /// Rows [i0, i0 + mc) and columns [p0, p0 + kc) of op(A) (A stored m×k, or k×m when `trans`) as
    /// MR-row panels: panel q at dst + q·MR·kc.
    void (*pack_a)(const float *a, long lda, int trans, long i0, long mc, long p0, long kc, float *dst);
    /// Rows [p0, p0 + kc) and columns [q0, q0 + nc) of the patch matrix of the planes at `x` (window `g`) as
    /// NR-column panels: panel t at dst + t·NR·kc (patch_panels.h).
    void (*pack_patches)(const float *x, const prune_plane_window *g, int64_t p0, int64_t kc, int64_t q0, int64_t nc,
                         float *dst);
    /// Rows [p0, p0 + kc) and columns [j0, j0 + cols) of a transposed op(B) (B stored n×k), cols ≤ NR, as one
    /// panel (zeros past cols).
    void (*pack_transposed)(const float *b, long ldb, long p0, long kc, long j0, long cols, float *panel);
    /// `rows` (≤ 8) consecutive rows of a row-major op(B), nc values each from `b` (rows `ldb` apart), as the
    /// same rows of each NR-column panel: panel t's first at dst + t·NR·kc (zeros past nc). Panel by panel,
    /// so the writes run through one panel at a time (panels kc·NR floats apart fall in the same cache sets).
    void (*pack_rows)(const float *b, long ldb, long rows, long nc, long kc, float *dst);
    /// One packed mc×kc block of A against a packed kc×nc block of B into C's mc×nc block: alpha·A·B plus
    /// bias[r] on row r when `bias` is not NULL, else plus beta·C (beta 0 never reads C); then the epilogue
    /// `e` (the block's first row `row0`, its first element `offset0` from C's) when it is not NULL.
    void (*block)(long mc, long nc, long kc, const float *pa, const float *pb, float *c, long ldc, float alpha,
                  float beta, const float *bias, const prune_epilogue *e, long row0, long offset0);
    /// `block` with B not packed: kc rows of a row-major op(B) read where they lie (rows `ldb` apart, nc
    /// columns from `b`), columns left over from the register tiles packed into `tail` (room for NR·kc);
    /// the same bits as packing B. NULL where the set has none (B is then packed).
    void (*block_in_place)(long mc, long nc, long kc, const float *pa, const float *b, long ldb, float *tail,
                           float *c, long ldc, float alpha, float beta, const float *bias, const prune_epilogue *e,
                           long row0, long offset0);
    /// Whether `pack_patches` reads window g's patch rows as shifted stretches of the plane, as fast as
    /// packing a laid-out patch matrix or faster (shifted_panels.c); NULL where the set has no such path.
    int (*packs_shifted)(const prune_plane_window *g);
} SgemmKernels;

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
/// For CPUs with AVX-512F: a 12×32 register tile.
extern const SgemmKernels prune_sgemm_avx512;
/// For CPUs with AVX2 and FMA: 6×16 register tiles, four to a 12×32 panel pair.
extern const SgemmKernels prune_sgemm_avx2;
#endif
#endif
