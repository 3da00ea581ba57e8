// 2:4 kernels that decode the 2-bit indices in registers (issue 18), for AVX-512 CPUs; AVX2+FMA CPUs
// get two_four_avx2.c's, and the N:M kernels of structured.c serve every other case. Layout as there:
// per row, `groups` groups of two values and two 2-bit indices, four indices to a byte, little-endian.
//
// Batch 1: eight groups (32 inputs, two registers of x) and their 16 values at a time. The 16 indices
// are one 32-bit word; lane l's index is bits 2l..2l+1, and 4·(l/2) plus it is the position of its
// input among the 32, so one two-source permute puts every value's input beside it: 16 products per
// fused multiply-add and no gather. Two rows share the loads of x.
//
// Batches: eight rows in lock step over the groups, on 32 batch columns of Xᵀ (two registers a row,
// 16 accumulators), the groups in chunks whose rows of Xᵀ stay in L1 while every row of the range uses
// them (the CSR kernel streams all of Xᵀ from L2 once per row).
#include "prune_sparse_kernels.h"
#include "two_four.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f")))
static inline __m512i nm24_lanes(const uint8_t *idx, const __m512i shifts, const __m512i base) {
    uint32_t word;
    memcpy(&word, idx, sizeof word);
    const __m512i bits = _mm512_srlv_epi32(_mm512_set1_epi32((int)word), shifts);
    return _mm512_add_epi32(_mm512_and_si512(bits, _mm512_set1_epi32(3)), base);
}

__attribute__((target("avx512f")))
static void nm24_spmv_avx512(const float *vals, const uint8_t *idx, int64_t groups, const float *x,
                             int64_t row_lo, int64_t row_hi, float *y) {
    const __m512i shifts = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i base = _mm512_setr_epi32(0, 0, 4, 4, 8, 8, 12, 12, 16, 16, 20, 20, 24, 24, 28, 28);
    const int64_t steps = groups / 8, per_row = groups * 2;
    int64_t r = row_lo;
    for (; r + 1 < row_hi; r += 2) {
        const float *v0 = vals + r * per_row, *v1 = v0 + per_row;
        const uint8_t *i0 = idx + r * per_row / 4, *i1 = i0 + per_row / 4;
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
        for (int64_t s = 0; s < steps; s++) {
            const __m512 lo = _mm512_loadu_ps(x + s * 32), hi = _mm512_loadu_ps(x + s * 32 + 16);
            a0 = _mm512_fmadd_ps(_mm512_loadu_ps(v0 + s * 16),
                                 _mm512_permutex2var_ps(lo, nm24_lanes(i0 + s * 4, shifts, base), hi), a0);
            a1 = _mm512_fmadd_ps(_mm512_loadu_ps(v1 + s * 16),
                                 _mm512_permutex2var_ps(lo, nm24_lanes(i1 + s * 4, shifts, base), hi), a1);
        }
        y[r] = _mm512_reduce_add_ps(a0) + nm24_tail(vals, idx, groups, r, steps * 8, x);
        y[r + 1] = _mm512_reduce_add_ps(a1) + nm24_tail(vals, idx, groups, r + 1, steps * 8, x);
    }
    for (; r < row_hi; r++) {
        const float *v0 = vals + r * per_row;
        const uint8_t *i0 = idx + r * per_row / 4;
        __m512 a0 = _mm512_setzero_ps();
        for (int64_t s = 0; s < steps; s++) {
            const __m512 lo = _mm512_loadu_ps(x + s * 32), hi = _mm512_loadu_ps(x + s * 32 + 16);
            a0 = _mm512_fmadd_ps(_mm512_loadu_ps(v0 + s * 16),
                                 _mm512_permutex2var_ps(lo, nm24_lanes(i0 + s * 4, shifts, base), hi), a0);
        }
        y[r] = _mm512_reduce_add_ps(a0) + nm24_tail(vals, idx, groups, r, steps * 8, x);
    }
}

enum { NM24_ROWS = 8, NM24_CHUNK = 64 };

// Adds groups [g_lo, g_hi) of rows r0 + rr (rr < g) into acc[rr] (columns j0..j0+15) and acc2[rr]
// (j0+16..j0+31, when `wide`).
__attribute__((target("avx512f")))
static inline __attribute__((always_inline))
void nm24_block(const float *vals, const uint8_t *idx, int64_t groups, const float *xt, int64_t bp, int64_t j0,
                int64_t r0, int64_t g, int64_t g_lo, int64_t g_hi, int wide, __m512 acc[NM24_ROWS],
                __m512 acc2[NM24_ROWS]) {
    for (int64_t gi = g_lo; gi < g_hi; gi++) {
        const float *xg = xt + gi * 4 * bp + j0;
        const float *rowp[4] = { xg, xg + bp, xg + 2 * bp, xg + 3 * bp };
        for (int rr = 0; rr < NM24_ROWS; rr++) {
            if (rr >= g) break;
            const int64_t p = ((r0 + rr) * groups + gi) * 2;
            const int pair = (idx[p >> 2] >> ((p & 3) * 2)) & 15;
            const __m512 w0 = _mm512_set1_ps(vals[p]), w1 = _mm512_set1_ps(vals[p + 1]);
            const float *x0 = rowp[pair & 3], *x1 = rowp[pair >> 2];
            acc[rr] = _mm512_fmadd_ps(w1, _mm512_loadu_ps(x1), _mm512_fmadd_ps(w0, _mm512_loadu_ps(x0), acc[rr]));
            if (wide) {
                acc2[rr] = _mm512_fmadd_ps(w1, _mm512_loadu_ps(x1 + 16),
                                           _mm512_fmadd_ps(w0, _mm512_loadu_ps(x0 + 16), acc2[rr]));
            }
        }
    }
}

// One row of nm24_full: the group's two values of row r0 + RR against their rows of Xᵀ.
#define NM24_ROW(RR, A, B)                                                                              \
    {                                                                                                   \
        const int64_t p = (base + (RR) * groups + gi) * 2;                                              \
        const int pair = (idx[p >> 2] >> ((p & 3) * 2)) & 15;                                           \
        const __m512 w0 = _mm512_set1_ps(vals[p]), w1 = _mm512_set1_ps(vals[p + 1]);                    \
        const float *x0 = rowp[pair & 3], *x1 = rowp[pair >> 2];                                       \
        A = _mm512_fmadd_ps(w1, _mm512_loadu_ps(x1), _mm512_fmadd_ps(w0, _mm512_loadu_ps(x0), A));     \
        if (wide) B = _mm512_fmadd_ps(w1, _mm512_loadu_ps(x1 + 16),                                     \
                                      _mm512_fmadd_ps(w0, _mm512_loadu_ps(x0 + 16), B));                \
    }

// nm24_block for a whole block of NM24_ROWS rows, its 16 accumulators in registers.
__attribute__((target("avx512f")))
static inline __attribute__((always_inline))
void nm24_full(const float *vals, const uint8_t *idx, int64_t groups, const float *xt, int64_t bp, int64_t j0,
               int64_t r0, int64_t g_lo, int64_t g_hi, const int wide, __m512 acc[NM24_ROWS],
               __m512 acc2[NM24_ROWS]) {
    __m512 a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3], a4 = acc[4], a5 = acc[5], a6 = acc[6], a7 = acc[7];
    __m512 b0 = acc2[0], b1 = acc2[1], b2 = acc2[2], b3 = acc2[3], b4 = acc2[4], b5 = acc2[5], b6 = acc2[6],
           b7 = acc2[7];
    const int64_t base = r0 * groups;
    for (int64_t gi = g_lo; gi < g_hi; gi++) {
        const float *xg = xt + gi * 4 * bp + j0;
        const float *rowp[4] = { xg, xg + bp, xg + 2 * bp, xg + 3 * bp };
        NM24_ROW(0, a0, b0) NM24_ROW(1, a1, b1) NM24_ROW(2, a2, b2) NM24_ROW(3, a3, b3)
        NM24_ROW(4, a4, b4) NM24_ROW(5, a5, b5) NM24_ROW(6, a6, b6) NM24_ROW(7, a7, b7)
    }
    acc[0] = a0; acc[1] = a1; acc[2] = a2; acc[3] = a3; acc[4] = a4; acc[5] = a5; acc[6] = a6; acc[7] = a7;
    acc2[0] = b0; acc2[1] = b1; acc2[2] = b2; acc2[3] = b3; acc2[4] = b4; acc2[5] = b5; acc2[6] = b6; acc2[7] = b7;
}

// Rows [row_lo, row_hi) on 32 batch columns from j0, the groups in chunks of NM24_CHUNK (256 rows of Xᵀ,
// 32 KB, stay in L1 while every row uses them); `part` holds each row's partial sums between chunks.
__attribute__((target("avx512f")))
static void nm24_columns(const float *vals, const uint8_t *idx, int64_t groups, const float *xt, int64_t bp,
                         int64_t j0, int64_t valid, int wide, int64_t row_lo, int64_t row_hi, float *part,
                         float *y, int64_t ld_y) {
    __m512 acc[NM24_ROWS], acc2[NM24_ROWS];
    float buf[NM24_ROWS][32];
    for (int64_t c0 = 0; c0 < groups; c0 += NM24_CHUNK) {
        const int64_t c1 = groups - c0 < NM24_CHUNK ? groups : c0 + NM24_CHUNK;
        for (int64_t r0 = row_lo; r0 < row_hi; r0 += NM24_ROWS) {
            const int64_t g = row_hi - r0 < NM24_ROWS ? row_hi - r0 : NM24_ROWS;
            float *pr = part + (r0 - row_lo) * 32;
            for (int rr = 0; rr < NM24_ROWS; rr++) {
                const int fresh = c0 == 0 || rr >= g;
                acc[rr] = fresh ? _mm512_setzero_ps() : _mm512_loadu_ps(pr + rr * 32);
                acc2[rr] = fresh ? _mm512_setzero_ps() : _mm512_loadu_ps(pr + rr * 32 + 16);
            }
            if (g == NM24_ROWS && wide) {
                nm24_full(vals, idx, groups, xt, bp, j0, r0, c0, c1, 1, acc, acc2);
            } else if (g == NM24_ROWS) {
                nm24_full(vals, idx, groups, xt, bp, j0, r0, c0, c1, 0, acc, acc2);
            } else {
                nm24_block(vals, idx, groups, xt, bp, j0, r0, g, c0, c1, wide, acc, acc2);
            }
            if (c1 < groups) {
                for (int rr = 0; rr < g; rr++) {
                    _mm512_storeu_ps(pr + rr * 32, acc[rr]);
                    _mm512_storeu_ps(pr + rr * 32 + 16, acc2[rr]);
                }
                continue;
            }
            for (int rr = 0; rr < g; rr++) {
                _mm512_storeu_ps(buf[rr], acc[rr]);
                _mm512_storeu_ps(buf[rr] + 16, acc2[rr]);
            }
            for (int64_t j = 0; j < valid; j++) {
                float *dst = y + (j0 + j) * ld_y + r0;
                for (int rr = 0; rr < g; rr++) dst[rr] = buf[rr][j];
            }
        }
    }
}

__attribute__((target("avx512f")))
static int nm24_spmm_avx512(const float *vals, const uint8_t *idx, int64_t groups, const float *xt, int64_t bp,
                            int64_t batch, int64_t row_lo, int64_t row_hi, float *y, int64_t ld_y) {
    float *part = groups > NM24_CHUNK ? (float *)malloc(sizeof(float) * 32 * (size_t)(row_hi - row_lo)) : NULL;
    if (groups > NM24_CHUNK && part == NULL) return 0;
    for (int64_t j0 = 0; j0 < batch; j0 += 32) {
        const int wide = bp - j0 >= 32;
        const int64_t width = wide ? 32 : 16;
        const int64_t valid = batch - j0 < width ? batch - j0 : width;
        nm24_columns(vals, idx, groups, xt, bp, j0, valid, wide, row_lo, row_hi, part, y, ld_y);
    }
    free(part);
    return 1;
}
#endif

int prune_nm24_spmm_rows(int64_t n, int64_t m, int64_t groups, int bits, const float *values,
                         const uint8_t *indices, const float *xt, int64_t bp, int64_t batch, int64_t row_lo,
                         int64_t row_hi, float *y, int64_t ld_y) {
#if defined(__x86_64__)
    if (n == 2 && m == 4 && bits == 2 && groups % 2 == 0 && prune_csr_spmm_isa() == 512) {
        return nm24_spmm_avx512(values, indices, groups, xt, bp, batch, row_lo, row_hi, y, ld_y);
    }
    if (n == 2 && m == 4 && bits == 2 && prune_csr_spmm_isa() == 256) {
        return prune_nm24_spmm_avx2(values, indices, groups, xt, bp, batch, row_lo, row_hi, y, ld_y);
    }
#endif
    (void)n; (void)m; (void)groups; (void)bits; (void)values; (void)indices; (void)xt; (void)bp; (void)batch;
    (void)row_lo; (void)row_hi; (void)y; (void)ld_y;
    return 0;
}

int prune_nm24_spmv_rows(int64_t n, int64_t m, int64_t groups, int bits, const float *values,
                         const uint8_t *indices, const float *x, int64_t row_lo, int64_t row_hi, float *y) {
#if defined(__x86_64__)
    if (n == 2 && m == 4 && bits == 2 && groups % 2 == 0 && prune_csr_spmm_isa() == 512) {
        nm24_spmv_avx512(values, indices, groups, x, row_lo, row_hi, y);
        return 1;
    }
    if (n == 2 && m == 4 && bits == 2 && prune_csr_spmm_isa() == 256) {
        return prune_nm24_spmv_avx2(values, indices, groups, x, row_lo, row_hi, y);
    }
#endif
    (void)n; (void)m; (void)groups; (void)bits; (void)values; (void)indices; (void)x; (void)row_lo;
    (void)row_hi; (void)y;
    return 0;
}
