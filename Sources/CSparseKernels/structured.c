// Kernels for block-sparse (BSR) and packed N:M weights, Y = X·Wᵀ. Plain C that the compiler
// vectorizes; on x86-64 Linux each kernel is compiled for AVX-512, AVX2+FMA and the baseline and the
// loader picks one for the CPU (target_clones), elsewhere it is compiled once.
#include "prune_sparse_kernels.h"
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__linux__)
#define PRUNE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define PRUNE_CLONES
#endif

enum { W = 16 };  // batch columns per tile in the BSR kernel

// One block row of R rows: acc[rr][j] over a tile of W batch columns.
static inline __attribute__((always_inline))
void bsr_block_row(int R, int C, const int32_t *bcol, int32_t k0, int32_t k1, const float *vals,
                   const float *xt, int64_t bp, int64_t j0, float acc[][W]) {
    for (int rr = 0; rr < R; rr++) for (int j = 0; j < W; j++) acc[rr][j] = 0;
    for (int32_t k = k0; k < k1; k++) {
        const float *v = vals + (int64_t)k * R * C;
        const float *x = xt + (int64_t)bcol[k] * C * bp + j0;
        for (int cc = 0; cc < C; cc++) {
            const float *xc = x + cc * bp;
            for (int rr = 0; rr < R; rr++) {
                const float w = v[rr * C + cc];
                for (int j = 0; j < W; j++) acc[rr][j] += w * xc[j];
            }
        }
    }
}

#define BSR_CASE(RR, CC) \
    if (R == RR && C == CC) { bsr_block_row(RR, CC, bcol, brs[br], brs[br + 1], vals, xt, bp, j0, acc); goto store; }

PRUNE_CLONES
void prune_bsr_spmm_rows(int64_t R, int64_t C, const int32_t *brs, const int32_t *bcol, const float *vals,
                         const float *xt, int64_t bp, int64_t batch, int64_t rows, int64_t br_lo, int64_t br_hi,
                         float *y, int64_t ld_y) {
    float acc[8][W];
    for (int64_t j0 = 0; j0 < bp; j0 += W) {
        const int64_t valid = batch - j0 < W ? batch - j0 : W;
        for (int64_t br = br_lo; br < br_hi; br++) {
            BSR_CASE(1, 4) BSR_CASE(4, 1) BSR_CASE(4, 4) BSR_CASE(8, 1) BSR_CASE(1, 8) BSR_CASE(2, 2) BSR_CASE(1, 1)
            bsr_block_row((int)R, (int)C, bcol, brs[br], brs[br + 1], vals, xt, bp, j0, acc);  // any R ≤ 8
        store:
            for (int64_t rr = 0; rr < R; rr++) {
                const int64_t r = br * R + rr;
                if (r >= rows) break;
                for (int64_t i = 0; i < valid; i++) y[(j0 + i) * ld_y + r] = acc[rr][i];
            }
        }
    }
}

PRUNE_CLONES
void prune_bsr_spmv_rows(int64_t R, int64_t C, const int32_t *brs, const int32_t *bcol, const float *vals,
                         const float *x, int64_t rows, int64_t br_lo, int64_t br_hi, float *y) {
    for (int64_t br = br_lo; br < br_hi; br++) {
        float acc[8] = {0};
        for (int32_t k = brs[br]; k < brs[br + 1]; k++) {
            const float *v = vals + (int64_t)k * R * C;
            const float *xc = x + (int64_t)bcol[k] * C;
            for (int64_t rr = 0; rr < R; rr++) {
                float s = 0;
                for (int64_t cc = 0; cc < C; cc++) s += v[rr * C + cc] * xc[cc];
                acc[rr] += s;
            }
        }
        for (int64_t rr = 0; rr < R && br * R + rr < rows; rr++) y[br * R + rr] = acc[rr];
    }
}

static inline int nm_index(const uint8_t *idx, int64_t p, int bits) {
    return bits == 2 ? (idx[p >> 2] >> ((p & 3) * 2)) & 3 : (idx[p >> 1] >> ((p & 1) * 4)) & 15;
}

void prune_nm_spmm_rows(int64_t n, int64_t m, int64_t groups, int bits, const float *vals, const uint8_t *idx,
                        const float *xt, int64_t bp, int64_t batch, int64_t row_lo, int64_t row_hi,
                        float *y, int64_t ld_y) {
    // Decode up to 16 rows at a time into CSR arrays (column = group·M + index) and run the CSR
    // kernel on them: the decoding is O(values), the products O(values·batch).
    enum { G = 16 };
    const int64_t per_row = groups * n;
    int32_t rs[G + 1];
    int32_t *ci = (int32_t *)malloc(sizeof(int32_t) * (size_t)(G * per_row > 0 ? G * per_row : 1));
    if (!ci) return;
    for (int64_t r0 = row_lo; r0 < row_hi; r0 += G) {
        const int64_t g = row_hi - r0 < G ? row_hi - r0 : G;
        rs[0] = 0;
        for (int64_t rr = 0; rr < g; rr++) {
            const int64_t base = (r0 + rr) * per_row;
            int32_t *c = ci + rr * per_row;
            int64_t q = 0;
            if (bits == 2) {
                for (int64_t gg = 0; gg < groups; gg++)
                    for (int64_t t = 0; t < n; t++, q++) {
                        const int64_t p = base + q;
                        c[q] = (int32_t)(gg * m + ((idx[p >> 2] >> ((p & 3) * 2)) & 3));
                    }
            } else {
                for (int64_t gg = 0; gg < groups; gg++)
                    for (int64_t t = 0; t < n; t++, q++) {
                        const int64_t p = base + q;
                        c[q] = (int32_t)(gg * m + ((idx[p >> 1] >> ((p & 1) * 4)) & 15));
                    }
            }
            rs[rr + 1] = (int32_t)((rr + 1) * per_row);
        }
        prune_csr_spmm_rows(rs, ci, vals + r0 * per_row, xt, bp, batch, 0, g, y + r0, ld_y);
    }
    free(ci);
}

PRUNE_CLONES
void prune_nm_spmv_rows(int64_t n, int64_t m, int64_t groups, int bits, const float *vals, const uint8_t *idx,
                        const float *x, int64_t row_lo, int64_t row_hi, float *y) {
    for (int64_t r = row_lo; r < row_hi; r++) {
        float s0 = 0, s1 = 0;
        const int64_t base = r * groups * n;
        for (int64_t g = 0; g < groups; g++) {
            const float *xg = x + g * m;
            int64_t p = base + g * n, t = 0;
            for (; t + 1 < n; t += 2) {
                s0 += vals[p + t] * xg[nm_index(idx, p + t, bits)];
                s1 += vals[p + t + 1] * xg[nm_index(idx, p + t + 1, bits)];
            }
            if (t < n) s0 += vals[p + t] * xg[nm_index(idx, p + t, bits)];
        }
        y[r] = s0 + s1;
    }
}

// int8 weights with one symmetric scale per output row (dequantized on the fly).

PRUNE_CLONES
void prune_i8_gemv_rows(const int8_t *q, const float *scales, int64_t cols, const float *x,
                        int64_t row_lo, int64_t row_hi, float *y) {
    for (int64_t r = row_lo; r < row_hi; r++) {
        const int8_t *qr = q + r * cols;
        float s = 0;
        for (int64_t j = 0; j < cols; j++) s += (float)qr[j] * x[j];
        y[r] = s * scales[r];
    }
}

PRUNE_CLONES
void prune_i8_dequantize_rows(const int8_t *q, const float *scales, int64_t cols, int64_t row_lo, int64_t row_hi, float *out) {
    for (int64_t r = row_lo; r < row_hi; r++) {
        const float sc = scales[r];
        const int8_t *qr = q + r * cols;
        float *o = out + (r - row_lo) * cols;
        for (int64_t j = 0; j < cols; j++) o[j] = (float)qr[j] * sc;
    }
}

PRUNE_CLONES
void prune_i8_csr_spmv_rows(const int32_t *rs, const int32_t *ci, const int8_t *q, const float *scales,
                            const float *x, int64_t row_lo, int64_t row_hi, float *y) {
    for (int64_t r = row_lo; r < row_hi; r++) {
        float s0 = 0, s1 = 0;
        int32_t k = rs[r];
        for (; k + 1 < rs[r + 1]; k += 2) { s0 += (float)q[k] * x[ci[k]]; s1 += (float)q[k + 1] * x[ci[k + 1]]; }
        if (k < rs[r + 1]) s0 += (float)q[k] * x[ci[k]];
        y[r] = (s0 + s1) * scales[r];
    }
}
