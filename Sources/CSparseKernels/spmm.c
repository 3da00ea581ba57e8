// Sparse (CSR) × dense-batch kernels with intrinsics, chosen at run time by the CPU's features.
// Swift's SIMD16<Float> compiles to the baseline ISA (SSE2 on x86-64) unless the whole package is
// built for a newer CPU, which a library cannot demand of its users; these kernels get AVX-512 or
// AVX2 through per-function target attributes instead.
//
// Layout: Xᵀ (`columns × bp`, bp a multiple of 16) so each non-zero multiplies a contiguous run of
// batch values. Rows are processed in groups of 16 per batch tile into a small staging buffer that
// is then written to Y (`batch × ld_y`) as 16 contiguous floats per batch row: no separate output
// transpose (which, with power-of-two-like strides, cost more than the products themselves).
#include "prune_sparse_kernels.h"
#include <string.h>

enum { GROUP = 16, TILE = 64 };

// buf[rr * TILE + j] = Σ_k va[k]·xt[ci[k]·bp + j0 + j] for rows r0 + rr (rr < g), j < width.
typedef void (*tile_fn)(const int32_t *, const int32_t *, const float *, const float *, int64_t, int64_t, int64_t,
                        int64_t, int64_t, float *);

static void tile_portable(const int32_t *rs, const int32_t *ci, const float *va, const float *xt, int64_t bp,
                          int64_t j0, int64_t width, int64_t r0, int64_t g, float *buf) {
    for (int64_t rr = 0; rr < g; rr++) {
        const int64_t r = r0 + rr;
        for (int64_t jb = 0; jb < width; jb += 16) {
            float acc[16] = {0};
            for (int32_t k = rs[r]; k < rs[r + 1]; k++) {
                const float v = va[k];
                const float *x = xt + (int64_t)ci[k] * bp + j0 + jb;
                for (int j = 0; j < 16; j++) acc[j] += v * x[j];
            }
            memcpy(buf + rr * TILE + jb, acc, sizeof acc);
        }
    }
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

__attribute__((target("avx2,fma")))
static void tile_avx2(const int32_t *rs, const int32_t *ci, const float *va, const float *xt, int64_t bp,
                      int64_t j0, int64_t width, int64_t r0, int64_t g, float *buf) {
    for (int64_t rr = 0; rr < g; rr++) {
        const int64_t r = r0 + rr;
        int64_t jb = 0;
        for (; jb + 32 <= width; jb += 32) {
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
            for (int32_t k = rs[r]; k < rs[r + 1]; k++) {
                const __m256 v = _mm256_broadcast_ss(va + k);
                const float *x = xt + (int64_t)ci[k] * bp + j0 + jb;
                a0 = _mm256_fmadd_ps(v, _mm256_loadu_ps(x), a0);
                a1 = _mm256_fmadd_ps(v, _mm256_loadu_ps(x + 8), a1);
                a2 = _mm256_fmadd_ps(v, _mm256_loadu_ps(x + 16), a2);
                a3 = _mm256_fmadd_ps(v, _mm256_loadu_ps(x + 24), a3);
            }
            float *y = buf + rr * TILE + jb;
            _mm256_storeu_ps(y, a0); _mm256_storeu_ps(y + 8, a1); _mm256_storeu_ps(y + 16, a2); _mm256_storeu_ps(y + 24, a3);
        }
        for (; jb < width; jb += 16) {
            __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
            for (int32_t k = rs[r]; k < rs[r + 1]; k++) {
                const __m256 v = _mm256_broadcast_ss(va + k);
                const float *x = xt + (int64_t)ci[k] * bp + j0 + jb;
                a0 = _mm256_fmadd_ps(v, _mm256_loadu_ps(x), a0);
                a1 = _mm256_fmadd_ps(v, _mm256_loadu_ps(x + 8), a1);
            }
            float *y = buf + rr * TILE + jb;
            _mm256_storeu_ps(y, a0); _mm256_storeu_ps(y + 8, a1);
        }
    }
}

__attribute__((target("avx512f")))
static void tile_avx512(const int32_t *rs, const int32_t *ci, const float *va, const float *xt, int64_t bp,
                        int64_t j0, int64_t width, int64_t r0, int64_t g, float *buf) {
    for (int64_t rr = 0; rr < g; rr++) {
        const int64_t r = r0 + rr;
        if (width == 64) {
            __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
            for (int32_t k = rs[r]; k < rs[r + 1]; k++) {
                const __m512 v = _mm512_set1_ps(va[k]);
                const float *x = xt + (int64_t)ci[k] * bp + j0;
                a0 = _mm512_fmadd_ps(v, _mm512_loadu_ps(x), a0);
                a1 = _mm512_fmadd_ps(v, _mm512_loadu_ps(x + 16), a1);
                a2 = _mm512_fmadd_ps(v, _mm512_loadu_ps(x + 32), a2);
                a3 = _mm512_fmadd_ps(v, _mm512_loadu_ps(x + 48), a3);
            }
            float *y = buf + rr * TILE;
            _mm512_storeu_ps(y, a0); _mm512_storeu_ps(y + 16, a1); _mm512_storeu_ps(y + 32, a2); _mm512_storeu_ps(y + 48, a3);
        } else {
            for (int64_t jb = 0; jb < width; jb += 16) {
                __m512 a0 = _mm512_setzero_ps();
                for (int32_t k = rs[r]; k < rs[r + 1]; k++)
                    a0 = _mm512_fmadd_ps(_mm512_set1_ps(va[k]), _mm512_loadu_ps(xt + (int64_t)ci[k] * bp + j0 + jb), a0);
                _mm512_storeu_ps(buf + rr * TILE + jb, a0);
            }
        }
    }
}
#endif

static int chosen_isa(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return 512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 256;
#endif
    return 0;
}

int prune_csr_spmm_isa(void) {
    static int isa = -1;
    if (isa < 0) isa = chosen_isa();
    return isa;
}

void prune_csr_spmm_rows(const int32_t *row_start, const int32_t *col_index, const float *values,
                         const float *xt, int64_t bp, int64_t batch, int64_t row_lo, int64_t row_hi,
                         float *y, int64_t ld_y) {
    prune_csr_spmm_rows_strided(row_start, col_index, values, xt, bp, batch, row_lo, row_hi, y, ld_y, 1);
}

void prune_csr_spmm_rows_strided(const int32_t *row_start, const int32_t *col_index, const float *values,
                                 const float *xt, int64_t bp, int64_t batch, int64_t row_lo, int64_t row_hi,
                                 float *y, int64_t stride_batch, int64_t stride_row) {
    tile_fn tile = tile_portable;
#if defined(__x86_64__) || defined(__i386__)
    switch (prune_csr_spmm_isa()) {
    case 512: tile = tile_avx512; break;
    case 256: tile = tile_avx2; break;
    default: break;
    }
#endif
    float buf[GROUP * TILE];
    // Columns past the batch rounded up to 16 are padding (a caller may pad further).
    const int64_t used = (batch + 15) / 16 * 16 < bp ? (batch + 15) / 16 * 16 : bp;
    for (int64_t j0 = 0; j0 < used; j0 += TILE) {
        const int64_t width = used - j0 < TILE ? used - j0 : TILE;
        const int64_t valid = batch - j0 < width ? batch - j0 : width;
        for (int64_t r0 = row_lo; r0 < row_hi; r0 += GROUP) {
            const int64_t g = row_hi - r0 < GROUP ? row_hi - r0 : GROUP;
            tile(row_start, col_index, values, xt, bp, j0, width, r0, g, buf);
            if (stride_batch == 1) {
                for (int64_t rr = 0; rr < g; rr++) memcpy(y + (r0 + rr) * stride_row + j0, buf + rr * TILE, sizeof(float) * (size_t)valid);
            } else {
                for (int64_t i = 0; i < valid; i++) {
                    float *dst = y + (j0 + i) * stride_batch + r0 * stride_row;
                    for (int64_t rr = 0; rr < g; rr++) dst[rr * stride_row] = buf[rr * TILE + i];
                }
            }
        }
    }
}
