// sgemm.c's kernels for CPUs with AVX-512F (see sgemm_kernels.h): a 12×32 register tile of 24 accumulators
// that takes two vectors of B and twelve broadcasts of A per step of k; transposed operands packed by
// 16×16 in-register transposes; partial tiles by masked loads and stores.
#include "sgemm_kernels.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))
#define UNROLL _Pragma("GCC unroll 12")
#include "epilogue_avx512.h"
#include "transpose16.h"

/// The mask of the first `count` of 16 lanes (none when count ≤ 0, all when count ≥ 16).
static inline __mmask16 lanes(long count) {
    return count >= 16 ? 0xFFFF : count <= 0 ? 0 : (__mmask16)((1u << count) - 1);
}

/// Rows [p0, p0 + kc) and columns [j0, j0 + cols) of a transposed op(B) (B stored n×k), cols ≤ NR, as one
/// panel: for each p, the NR values of those columns (zeros past cols), turned 16×16 blocks at a time.
static AVX512 void pack_transposed_b(const float *b, long ldb, long p0, long kc, long j0, long cols,
                                     float *panel) {
    for (long jb = 0; jb < NR; jb += 16) {
        long p = 0;
        int rows = (int)(cols - jb < 0 ? 0 : cols - jb < 16 ? cols - jb : 16);
        for (; p + 16 <= kc; p += 16)
            transpose16(b + (j0 + jb) * ldb + p0 + p, ldb, rows, panel + p * NR + jb, NR, 0xFFFF);
        pack_transposed_columns(b, ldb, p0, p, kc, j0, jb, jb + 16, cols, panel);
    }
}

/// Rows of a row-major op(B) into the NR-column panels, panel by panel (see sgemm_kernels.h).
static AVX512 void pack_rows(const float *b, long ldb, long rows, long nc, long kc, float *dst) {
    for (long q = 0; q < nc; q += NR) {
        float *d = dst + q * kc;
        for (long r = 0; r < rows; r++) {
            _mm512_store_ps(d + r * NR, _mm512_maskz_loadu_ps(lanes(nc - q), b + r * ldb + q));
            _mm512_store_ps(d + r * NR + 16, _mm512_maskz_loadu_ps(lanes(nc - q - 16), b + r * ldb + q + 16));
        }
    }
}

/// Rows [i0, i0 + mc) and columns [p0, p0 + kc) of op(A) as MR-row panels: panel q holds, for each p,
/// the MR values of rows i0 + q·MR … (zeros past mc). A row-major A is turned 16 columns at a time.
static AVX512 void pack_a(const float *a, long lda, int trans, long i0, long mc, long p0, long kc, float *dst) {
    for (long q = 0; q < mc; q += MR) {
        long rows = mc - q < MR ? mc - q : MR;
        float *panel = dst + (q / MR) * MR * kc;
        long p = 0;
        if (!trans)
            for (; p + 16 <= kc; p += 16)
                transpose16(a + (i0 + q) * lda + p0 + p, lda, (int)rows, panel + p * MR, MR, (1u << MR) - 1);
        pack_a_columns(a, lda, trans, i0 + q, rows, p0, p, kc, panel);
    }
}

/// C[0..<mr][0..<cols] = alpha·(packed A panel · packed B panel) + beta·C over kc steps, or + bias[r] on
/// row r when `bias` is not NULL, then the epilogue's steps when `te.e` is not NULL; beta 0 never reads C.
/// `mr` and `wide` (vectors of 16 columns: 2, or 1 when cols ≤ 16) are constants in each caller, so the
/// accumulators live in registers.
static inline __attribute__((always_inline)) AVX512 void
tile(const int mr, const int wide, long kc, const float *ap, const float *bp, float *c, long ldc, long cols,
     float alpha, float beta, const float *bias, TileEpilogue te) {
    __m512 acc0[MR], acc1[MR];
    UNROLL for (int r = 0; r < mr; r++) { acc0[r] = _mm512_setzero_ps(); acc1[r] = _mm512_setzero_ps(); }
    for (long p = 0; p < kc; p++) {
        __m512 b0 = _mm512_load_ps(bp), b1 = wide == 2 ? _mm512_load_ps(bp + 16) : b0;
        UNROLL for (int r = 0; r < mr; r++) {
            __m512 av = _mm512_set1_ps(ap[r]);
            acc0[r] = _mm512_fmadd_ps(av, b0, acc0[r]);
            if (wide == 2) acc1[r] = _mm512_fmadd_ps(av, b1, acc1[r]);
        }
        ap += MR;
        bp += NR;
    }
    __mmask16 m0 = lanes(cols), m1 = lanes(cols - 16);
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    UNROLL for (int r = 0; r < mr; r++) {
        float *row = c + r * ldc;
        // The bias as if C held it and beta were 1: fma(1, bias, y) is y + bias rounded once.
        acc0[r] = _mm512_mul_ps(va, acc0[r]);
        if (bias) acc0[r] = _mm512_add_ps(acc0[r], _mm512_set1_ps(bias[r]));
        else if (beta != 0) acc0[r] = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, row), acc0[r]);
        if (wide == 2) {
            acc1[r] = _mm512_mul_ps(va, acc1[r]);
            if (bias) acc1[r] = _mm512_add_ps(acc1[r], _mm512_set1_ps(bias[r]));
            else if (beta != 0) acc1[r] = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m1, row + 16), acc1[r]);
        }
    }
    if (te.e)
        for (int s = 0; s < te.e->count; s++) {
            epilogue_step(mr, &te.e->steps[s], te.e, te.row, te.offset, ldc, acc0, m0);
            if (wide == 2) epilogue_step(mr, &te.e->steps[s], te.e, te.row, te.offset + 16, ldc, acc1, m1);
        }
    UNROLL for (int r = 0; r < mr; r++) {
        _mm512_mask_storeu_ps(c + r * ldc, m0, acc0[r]);
        if (wide == 2) _mm512_mask_storeu_ps(c + r * ldc + 16, m1, acc1[r]);
    }
}

#define TILE_CASE(R) \
    case R: if (cols > 16) tile(R, 2, kc, ap, bp, c, ldc, cols, alpha, beta, bias, te); \
            else tile(R, 1, kc, ap, bp, c, ldc, cols, alpha, beta, bias, te); break;

/// The tile for `mr` rows (1 … MR) and `cols` columns (1 … NR).
// Inlined into the loop nest: as a call of its own it made ResNet-small's training 5% slower.
static inline __attribute__((always_inline)) AVX512 void
tile_rows(int mr, long kc, const float *ap, const float *bp, float *c, long ldc, long cols, float alpha, float beta,
          const float *bias, TileEpilogue te) {
    switch (mr) {
        TILE_CASE(1) TILE_CASE(2) TILE_CASE(3) TILE_CASE(4) TILE_CASE(5) TILE_CASE(6)
        TILE_CASE(7) TILE_CASE(8) TILE_CASE(9) TILE_CASE(10) TILE_CASE(11) TILE_CASE(MR)
        default: break;
    }
}

/// One packed mc×kc block of A against a packed kc×nc block of B, into C's mc×nc block (+ bias per row when
/// `bias` is not NULL, else + beta·C), then the epilogue `e` (the block's first row `row0`, its first element
/// `offset0` from C's) when it is not NULL.
static AVX512 void block(long mc, long nc, long kc, const float *pa, const float *pb, float *c, long ldc,
                         float alpha, float beta, const float *bias, const prune_epilogue *e, long row0,
                         long offset0) {
    for (long jr = 0; jr < nc; jr += NR) {
        long cols = nc - jr < NR ? nc - jr : NR;
        for (long ir = 0; ir < mc; ir += MR) {
            int rows = (int)(mc - ir < MR ? mc - ir : MR);
            const TileEpilogue te = { e, row0 + ir, offset0 + ir * ldc + jr };
            tile_rows(rows, kc, pa + ir * kc, pb + jr * kc, c + ir * ldc + jr, ldc, cols, alpha, beta,
                      bias ? bias + ir : NULL, te);
        }
    }
}

const SgemmKernels prune_sgemm_avx512 = { pack_a, prune_pack_patch_panels, pack_transposed_b, pack_rows, block,
                                          NULL, prune_shifted_panels_apply };
#endif
