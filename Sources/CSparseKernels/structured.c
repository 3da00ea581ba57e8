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
    if (R == 4 && C == 1) {
        // 4×1 blocks: one input value feeds four rows.
        for (int64_t br = br_lo; br < br_hi; br++) {
            float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            for (int32_t k = brs[br]; k < brs[br + 1]; k++) {
                const float *v = vals + (int64_t)k * 4, xv = x[bcol[k]];
                a0 += v[0] * xv; a1 += v[1] * xv; a2 += v[2] * xv; a3 += v[3] * xv;
            }
            const float acc[4] = {a0, a1, a2, a3};
            for (int64_t rr = 0; rr < 4 && br * 4 + rr < rows; rr++) y[br * 4 + rr] = acc[rr];
        }
        return;
    }
    if (R == 1 && C == 4) {
        for (int64_t br = br_lo; br < br_hi; br++) {
            float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            for (int32_t k = brs[br]; k < brs[br + 1]; k++) {
                const float *v = vals + (int64_t)k * 4, *xc = x + (int64_t)bcol[k] * 4;
                a0 += v[0] * xc[0]; a1 += v[1] * xc[1]; a2 += v[2] * xc[2]; a3 += v[3] * xc[3];
            }
            y[br] = (a0 + a1) + (a2 + a3);
        }
        return;
    }
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
    if (prune_nm24_spmm_rows(n, m, groups, bits, vals, idx, xt, bp, batch, row_lo, row_hi, y, ld_y)) return;
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
    if (prune_nm24_spmv_rows(n, m, groups, bits, vals, idx, x, row_lo, row_hi, y)) return;
    if (bits == 2 && m == 4 && groups % 16 == 0) {
        // 2-bit indices, M = 4: rebuild 64 dense weights at a time in a small buffer (reading only the
        // packed values and indices from memory) and take a vectorized dot product with x.
        float w[64];
        for (int64_t r = row_lo; r < row_hi; r++) {
            float acc[16] = {0};
            const int64_t base = r * groups * n;
            for (int64_t g0 = 0; g0 < groups; g0 += 16) {
                for (int t = 0; t < 64; t++) w[t] = 0;
                int64_t p = base + g0 * n;
                for (int gg = 0; gg < 16; gg++)
                    for (int64_t t = 0; t < n; t++, p++) w[gg * 4 + ((idx[p >> 2] >> ((p & 3) * 2)) & 3)] += vals[p];
                const float *xg = x + g0 * 4;
                for (int t = 0; t < 64; t += 16)
                    for (int u = 0; u < 16; u++) acc[u] += w[t + u] * xg[t + u];
            }
            float s = 0;
            for (int u = 0; u < 16; u++) s += acc[u];
            y[r] = s;
        }
        return;
    }
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
        // Sixteen independent partial sums: a float reduction the compiler may vectorize without
        // reassociating (no -ffast-math needed).
        float acc[16] = {0};
        int64_t j = 0;
        for (; j + 16 <= cols; j += 16)
            for (int t = 0; t < 16; t++) acc[t] += (float)qr[j + t] * x[j + t];
        float s = 0;
        for (; j < cols; j++) s += (float)qr[j] * x[j];
        for (int t = 0; t < 16; t++) s += acc[t];
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
