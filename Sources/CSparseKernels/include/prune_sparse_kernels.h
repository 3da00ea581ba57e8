#ifndef PRUNE_SPARSE_KERNELS_H
#define PRUNE_SPARSE_KERNELS_H
#include <stdint.h>

/// Y[i, r] = Σ_k values[k] · Xᵀ[col[k], i] for rows r in [row_lo, row_hi) of a CSR matrix and
/// i < batch. `xt` is Xᵀ (`columns × bp`, zero-padded, `bp` a multiple of 16 and ≥ batch), `y` is
/// `batch × ld_y`. The batch is processed in tiles of 64; the widest SIMD the CPU has (AVX-512,
/// AVX2+FMA, or the compiler's baseline) is chosen once at run time.
void prune_csr_spmm_rows(const int32_t *row_start, const int32_t *col_index, const float *values,
                         const float *xt, int64_t bp, int64_t batch, int64_t row_lo, int64_t row_hi,
                         float *y, int64_t ld_y);

/// As ``prune_csr_spmm_rows``, writing Y[i, r] at y[i·stride_batch + r·stride_row] (a convolution
/// passes stride_batch = 1, stride_row = positions, for channel-major output).
void prune_csr_spmm_rows_strided(const int32_t *row_start, const int32_t *col_index, const float *values,
                                 const float *xt, int64_t bp, int64_t batch, int64_t row_lo, int64_t row_hi,
                                 float *y, int64_t stride_batch, int64_t stride_row);

/// Which implementation ``prune_csr_spmm_rows`` uses: 512 (AVX-512), 256 (AVX2+FMA) or 0 (portable C).
int prune_csr_spmm_isa(void);

/// Block-sparse (BSR, R×C blocks, R ≤ 8) SpMM for block rows [br_lo, br_hi): `xt` is Xᵀ with its rows
/// padded to a multiple of C (`ceil(columns/C)·C × bp`, bp a multiple of 16), `y` is `batch × ld_y`;
/// rows ≥ `rows` (the padding of the last block row) are not written.
void prune_bsr_spmm_rows(int64_t R, int64_t C, const int32_t *block_row_start, const int32_t *block_col, const float *values,
                         const float *xt, int64_t bp, int64_t batch, int64_t rows, int64_t br_lo, int64_t br_hi,
                         float *y, int64_t ld_y);

/// BSR times one vector `x` (padded to a multiple of C): y[r] for the rows of block rows [br_lo, br_hi).
void prune_bsr_spmv_rows(int64_t R, int64_t C, const int32_t *block_row_start, const int32_t *block_col, const float *values,
                         const float *x, int64_t rows, int64_t br_lo, int64_t br_hi, float *y);

/// Packed N:M SpMM for rows [row_lo, row_hi): per row, `groups` groups of N values and N indices of
/// `bits` (2 or 4) bits each, little-endian within a byte. `xt` is Xᵀ with rows padded to groups·M.
void prune_nm_spmm_rows(int64_t n, int64_t m, int64_t groups, int bits, const float *values, const uint8_t *indices,
                        const float *xt, int64_t bp, int64_t batch, int64_t row_lo, int64_t row_hi,
                        float *y, int64_t ld_y);

/// Packed N:M times one vector `x` (padded to groups·M).
void prune_nm_spmv_rows(int64_t n, int64_t m, int64_t groups, int bits, const float *values, const uint8_t *indices,
                        const float *x, int64_t row_lo, int64_t row_hi, float *y);

/// 2:4 with 2-bit indices on an AVX-512 or AVX2+FMA CPU (two_four.c): as ``prune_nm_spmm_rows``; returns 0
/// without doing anything for any other pattern, index width or CPU (or an odd group count with AVX-512).
int prune_nm24_spmm_rows(int64_t n, int64_t m, int64_t groups, int bits, const float *values,
                         const uint8_t *indices, const float *xt, int64_t bp, int64_t batch, int64_t row_lo,
                         int64_t row_hi, float *y, int64_t ld_y);

/// 2:4 times one vector on an AVX-512 or AVX2+FMA CPU: as ``prune_nm_spmv_rows``; returns 0 when it does not
/// apply.
int prune_nm24_spmv_rows(int64_t n, int64_t m, int64_t groups, int bits, const float *values,
                         const uint8_t *indices, const float *x, int64_t row_lo, int64_t row_hi, float *y);

/// The AVX2+FMA 2:4 kernels themselves (two_four_avx2.c; the two above call them on CPUs with AVX2, FMA and
/// BMI2 but not AVX-512, and tests call them on any such CPU): as ``prune_nm24_spmm_rows`` for 2:4 with 2-bit
/// indices, any group count; return 0, doing nothing, when a copy of Xᵀ's columns or of x cannot be allocated,
/// or on a CPU or platform without them.
int prune_nm24_spmm_avx2(const float *vals, const uint8_t *idx, int64_t groups, const float *xt, int64_t bp,
                         int64_t batch, int64_t row_lo, int64_t row_hi, float *y, int64_t ld_y);
int prune_nm24_spmv_avx2(const float *vals, const uint8_t *idx, int64_t groups, const float *x, int64_t row_lo,
                         int64_t row_hi, float *y);

/// int8 GEMV with per-row scales: y[r] = scales[r] · Σ_j q[r·cols + j]·x[j] for r in [row_lo, row_hi).
void prune_i8_gemv_rows(const int8_t *q, const float *scales, int64_t cols, const float *x,
                        int64_t row_lo, int64_t row_hi, float *y);

/// out[(r − row_lo)·cols + j] = q[r·cols + j] · scales[r].
void prune_i8_dequantize_rows(const int8_t *q, const float *scales, int64_t cols, int64_t row_lo, int64_t row_hi, float *out);

/// CSR times one vector, rows [row_lo, row_hi): y[r] = Σ_k values[k]·x[col_index[k]] over row r's entries
/// (AVX2 inserts where the CPU has AVX2+FMA, else ``prune_csr_spmv_rows_portable``).
void prune_csr_spmv_rows(const int32_t *row_start, const int32_t *col_index, const float *values,
                         const float *x, int64_t row_lo, int64_t row_hi, float *y);

/// The plain C SpMV every CPU runs: float `values`, or int8 codes `q` (non-null) times per-row `scales`.
void prune_csr_spmv_rows_portable(const int32_t *row_start, const int32_t *col_index, const float *values,
                                  const int8_t *q, const float *scales, const float *x, int64_t row_lo,
                                  int64_t row_hi, float *y);

/// CSR with int8 values and per-row scales times one vector.
void prune_i8_csr_spmv_rows(const int32_t *row_start, const int32_t *col_index, const int8_t *q, const float *scales,
                            const float *x, int64_t row_lo, int64_t row_hi, float *y);

/// Sampled dense-dense product for CSR rows [row_lo, row_hi): out[k] = Σ_i Aᵀ[r, i]·Bᵀ[col[k], i] for each
/// stored entry k of row r, with Aᵀ `rows × bp` and Bᵀ `columns × bp` (bp a multiple of 16, zero-padded): the
/// weight gradient of a sparse Linear at its mask's positions only.
void prune_csr_sddmm_rows(const int32_t *row_start, const int32_t *col_index, const float *at, const float *bt,
                          int64_t bp, int64_t row_lo, int64_t row_hi, float *out);

#endif
