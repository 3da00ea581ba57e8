// 2:4 kernels for AVX2+FMA CPUs (issue 18); two_four.c has the AVX-512 ones and picks. Layout as in
// two_four.h: per row, `groups` groups of two values and a nibble of their two 2-bit indices.
//
// Batches: a tile is R rows × V registers of 8 batch columns (R·V ≤ 8 accumulators, so the fused
// multiply-adds of one group, two per accumulator, overlap the next group's). Per group and row: the
// nibble, two broadcast values and 2·V loads of Xᵀ folded into the multiply-adds, no gather. Rows go
// in blocks of T24_BLOCK whose partial sums stay in L1, the groups in chunks of T24_CHUNK whose rows
// of Xᵀ (4·T24_CHUNK rows of up to 64 columns, 16 KB) stay in L1 while every row of the block uses them.
// Xᵀ's rows are read 16, 32 or 64 floats apart (other strides are copied, see t24_spmm), so an index
// becomes an offset by a shift (a multiply measured 7% slower).
//
// Batch 1: four groups (16 inputs, two registers of x) and their 8 values at a time. x is laid out once
// per call so that each lane's input is one of the four in its 128-bit half of one of two registers: the
// 16 index bits, shifted per lane, pick it by an in-lane permute of each register and a blend, and one
// multiply-add takes 8 products. Four rows share the loads of x.
#include "prune_sparse_kernels.h"
#include "two_four.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { T24_BLOCK = 32, T24_CHUNK = 16, T24_WIDTH = 64 };

#define T24_TARGET __attribute__((target("avx2,fma,bmi2")))

// Adds groups [g_lo, g_hi) of rows r … r + R − 1 into part (R rows of T24_WIDTH floats; `fresh`: start
// from zero), on V registers of batch columns of xt (already offset to the tile's first column); bp is 16, 32
// or 64, so a row of Xᵀ is a shift away.
T24_TARGET static inline __attribute__((always_inline))
void t24_tile(const int R, const int V, const float *vals, const uint8_t *idx, int64_t groups, const float *xt,
              int64_t bp, int64_t r, int64_t g_lo, int64_t g_hi, float *part, int fresh) {
    const int sh = __builtin_ctzll((unsigned long long)bp);
    __m256 acc[8];
    for (int i = 0; i < R * V; i++) {
        float *p = part + (i / V) * T24_WIDTH + (i % V) * 8;
        acc[i] = fresh ? _mm256_setzero_ps() : _mm256_load_ps(p);
    }
    for (int rr = 0; rr < R; rr++) {
        const float *next = vals + 2 * ((r + rr) * groups + g_hi);
        _mm_prefetch((const char *)next, _MM_HINT_T0);
        _mm_prefetch((const char *)(next + 16), _MM_HINT_T0);
    }
    for (int64_t gi = g_lo; gi < g_hi; gi++) {
        const float *xg = xt + gi * 4 * bp;
        for (int rr = 0; rr < R; rr++) {
            const int64_t q = (r + rr) * groups + gi;
            const int pair = nm24_pair(idx, q);
            const __m256 w0 = _mm256_broadcast_ss(vals + 2 * q), w1 = _mm256_broadcast_ss(vals + 2 * q + 1);
            const float *x0 = xg + ((int64_t)(pair & 3) << sh), *x1 = xg + ((int64_t)(pair >> 2) << sh);
            for (int v = 0; v < V; v++) {
                __m256 a = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x0 + 8 * v), acc[rr * V + v]);
                acc[rr * V + v] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x1 + 8 * v), a);
            }
        }
    }
    for (int i = 0; i < R * V; i++) _mm256_store_ps(part + (i / V) * T24_WIDTH + (i % V) * 8, acc[i]);
}

// Asks for the tile's share of the next chunk's rows of Xᵀ (into L2): two rows for each of its R rows, so a
// block of T24_BLOCK rows asks for the chunk's 4·T24_CHUNK rows while it works on the one before (Xᵀ of a
// 4096-wide input, 1 MB for 64 columns, comes from L3 once per block).
static inline void t24_ahead(const float *xt, int64_t bp, int64_t g_next, int64_t groups, int64_t rr, int R, int V) {
    if (g_next >= groups) return;
    const int64_t rows = 4 * (groups - g_next < T24_CHUNK ? groups - g_next : T24_CHUNK);
    for (int64_t k = rr * 2; k < (rr + R) * 2 && k < rows; k++) {
        const char *line = (const char *)(xt + (4 * g_next + k) * bp);
        for (int c = 0; c < V * 32; c += 64) _mm_prefetch(line + c, _MM_HINT_T1);
    }
}

// One chunk of groups for `count` rows from r0: tiles of as many rows as V leaves registers for, the
// rest one row at a time.
#define T24_RUN(RR, VV)                                                                                     \
    for (; rr + (RR) <= count; rr += (RR)) {                                                                \
        t24_ahead(xt, bp, g_hi, groups, rr, RR, VV);                                                          \
        t24_tile(RR, VV, vals, idx, groups, xt, bp, r0 + rr, g_lo, g_hi, part + rr * T24_WIDTH, fresh);     \
    }                                                                                                        \
    for (; rr < count; rr++) t24_tile(1, VV, vals, idx, groups, xt, bp, r0 + rr, g_lo, g_hi,               \
                                      part + rr * T24_WIDTH, fresh);                                        \
    return;

T24_TARGET
static void t24_chunk(int V, const float *vals, const uint8_t *idx, int64_t groups, const float *xt, int64_t bp,
                      int64_t r0, int64_t count, int64_t g_lo, int64_t g_hi, float *part, int fresh) {
    int64_t rr = 0;
    switch (V) {
    case 1: T24_RUN(8, 1)
    case 2: T24_RUN(4, 2)
    case 3: T24_RUN(2, 3)
    case 4: T24_RUN(2, 4)
    case 5: T24_RUN(1, 5)
    case 6: T24_RUN(1, 6)
    case 7: T24_RUN(1, 7)
    default: T24_RUN(1, 8)
    }
}

// Rows [row_lo, row_hi) on V·8 batch columns of Xᵀ from `tile` (rows `stride` apart), written to y's
// columns from j0 (`valid` of them real).
T24_TARGET
static void t24_columns(const float *vals, const uint8_t *idx, int64_t groups, const float *tile, int64_t stride,
                        int64_t j0, int V, int64_t valid, int64_t row_lo, int64_t row_hi, float *y, int64_t ld_y) {
    _Alignas(32) float part[T24_BLOCK * T24_WIDTH];
    for (int64_t r0 = row_lo; r0 < row_hi; r0 += T24_BLOCK) {
        const int64_t count = row_hi - r0 < T24_BLOCK ? row_hi - r0 : T24_BLOCK;
        for (int64_t g_lo = 0; g_lo < groups; g_lo += T24_CHUNK) {
            const int64_t g_hi = groups - g_lo < T24_CHUNK ? groups : g_lo + T24_CHUNK;
            t24_chunk(V, vals, idx, groups, tile, stride, r0, count, g_lo, g_hi, part, g_lo == 0);
        }
        if (groups == 0) {
            for (int64_t i = 0; i < count * T24_WIDTH; i++) part[i] = 0;
        }
        for (int64_t j = 0; j < valid; j++) {
            float *dst = y + (j0 + j) * ld_y + r0;
            for (int64_t rr = 0; rr < count; rr++) dst[rr] = part[rr * T24_WIDTH + j];
        }
    }
}

// Columns [j0, j0 + width) of Xᵀ's `rows` rows as rows of T24_WIDTH floats.
static void t24_panel(const float *xt, int64_t bp, int64_t rows, int64_t j0, int64_t width, float *panel) {
    for (int64_t k = 0; k < rows; k++) memcpy(panel + k * T24_WIDTH, xt + k * bp + j0, sizeof(float) * (size_t)width);
}

// Xᵀ is read in place when its row stride is 16, 32 or 64 floats; any other stride (48, or over 64, whose
// rows 4 KB apart and more would share a few L1 sets: 0.6–0.7× dense at a batch of 1,024 when read in place)
// is copied one 64-column panel at a time into rows of 64.
T24_TARGET
static int t24_spmm(const float *vals, const uint8_t *idx, int64_t groups, const float *xt, int64_t bp,
                    int64_t batch, int64_t row_lo, int64_t row_hi, float *y, int64_t ld_y) {
    const int in_place = groups == 0 || bp == 16 || bp == 32 || bp == 64;
    float *panel = in_place ? NULL : aligned_alloc(64, sizeof(float) * T24_WIDTH * 4 * (size_t)groups);
    if (!in_place && panel == NULL) return 0;
    for (int64_t j0 = 0; j0 < batch; j0 += T24_WIDTH) {
        const int64_t width = bp - j0 < T24_WIDTH ? bp - j0 : T24_WIDTH;
        const int64_t valid = batch - j0 < width ? batch - j0 : width;
        const int V = (int)((valid + 7) / 8);
        if (!in_place) t24_panel(xt, bp, 4 * groups, j0, 8 * V, panel);
        t24_columns(vals, idx, groups, in_place ? xt + j0 : panel, in_place ? bp : T24_WIDTH, j0, V, valid,
                    row_lo, row_hi, y, ld_y);
    }
    free(panel);
    return 1;
}

static int t24_runs(void) { return prune_csr_spmm_isa() >= 256 && __builtin_cpu_supports("bmi2"); }

int prune_nm24_spmm_avx2(const float *vals, const uint8_t *idx, int64_t groups, const float *xt, int64_t bp,
                         int64_t batch, int64_t row_lo, int64_t row_hi, float *y, int64_t ld_y) {
    if (!t24_runs() || bp <= 0 || bp % 16 != 0) return 0;
    return t24_spmm(vals, idx, groups, xt, bp, batch, row_lo, row_hi, y, ld_y);
}

// The 16 index bits of groups q … q + 3 (nibbles q to q + 3), read without passing their last byte.
static inline uint32_t t24_word(const uint8_t *idx, int64_t q) {
    const uint8_t *b = idx + (q >> 1);
    if ((q & 1) == 0) return (uint32_t)b[0] | (uint32_t)b[1] << 8;
    return ((uint32_t)b[0] >> 4 | (uint32_t)b[1] << 4 | (uint32_t)b[2] << 12) & 0xFFFF;
}

// The 16 index bits of groups q … q + 3 in every lane: broadcast straight from memory when `whole` (q even, so
// they start on a byte, and a next step to read the 16 bits after them from), else put together by t24_word.
T24_TARGET static inline __m256i t24_words(const uint8_t *idx, int64_t q, const int whole) {
    return whole ? _mm256_castps_si256(_mm256_broadcast_ss((const float *)(idx + (q >> 1))))
                 : _mm256_set1_epi32((int)t24_word(idx, q));
}

// The 8 values of four groups against their inputs: a = x of groups 0 and 2, b = x of groups 1 and 3 (one
// group to a 128-bit half), so each lane's input is one of the 4 in its half of a or b; the lane's index,
// bits 2l..2l+1 of the four groups' index bits (`words`), is what vpermilps reads (the low 2 bits of a lane).
T24_TARGET static inline __m256 t24_inputs(__m256i words, __m256 a, __m256 b) {
    const __m256i lanes = _mm256_srlv_epi32(words, _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14));
    return _mm256_blend_ps(_mm256_permutevar_ps(a, lanes), _mm256_permutevar_ps(b, lanes), 0xCC);
}

T24_TARGET static inline float t24_sum(__m256 a) {
    const __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(t, _mm_movehdup_ps(t)));
}

// Step s (four groups) of rows r … r + R − 1 into acc, x rearranged as t24_inputs reads it.
T24_TARGET static inline __attribute__((always_inline))
void t24_step(const int R, const int whole, const float *vals, const uint8_t *idx, int64_t groups, const float *xs,
              int64_t s, int64_t r, __m256 acc[4]) {
    const __m256 a = _mm256_load_ps(xs + 16 * s), b = _mm256_load_ps(xs + 16 * s + 8);
    for (int rr = 0; rr < R; rr++) {
        const int64_t q = (r + rr) * groups + 4 * s;
        const __m256 in = t24_inputs(t24_words(idx, q, whole), a, b);
        acc[rr] = _mm256_fmadd_ps(_mm256_loadu_ps(vals + 2 * q), in, acc[rr]);
    }
}

// Rows r … r + R − 1 (R ≤ 4) over the first `steps` blocks of four groups. With an even group count every row
// starts on a byte, and every step but the last reads its index bits straight from memory.
T24_TARGET static inline __attribute__((always_inline))
void t24_rows(const int R, const float *vals, const uint8_t *idx, int64_t groups, const float *xs, int64_t steps,
              int64_t r, float *y) {
    __m256 acc[4];
    for (int rr = 0; rr < R; rr++) acc[rr] = _mm256_setzero_ps();
    int64_t s = 0;
    if ((groups & 1) == 0)
        for (; s + 1 < steps; s++) t24_step(R, 1, vals, idx, groups, xs, s, r, acc);
    for (; s < steps; s++) t24_step(R, 0, vals, idx, groups, xs, s, r, acc);
    for (int rr = 0; rr < R; rr++) y[rr] = t24_sum(acc[rr]);
}

// x rearranged for t24_inputs: per four groups, groups 0 and 2, then groups 1 and 3.
T24_TARGET static void t24_rearrange(const float *x, int64_t steps, float *xs) {
    for (int64_t s = 0; s < steps; s++) {
        const __m256 lo = _mm256_loadu_ps(x + 16 * s), hi = _mm256_loadu_ps(x + 16 * s + 8);
        _mm256_store_ps(xs + 16 * s, _mm256_permute2f128_ps(lo, hi, 0x20));
        _mm256_store_ps(xs + 16 * s + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
    }
}

T24_TARGET
static void t24_spmv(const float *vals, const uint8_t *idx, int64_t groups, const float *x, const float *xs,
                     int64_t row_lo, int64_t row_hi, float *y) {
    const int64_t steps = groups / 4;
    int64_t r = row_lo;
    for (; r + 3 < row_hi; r += 4) t24_rows(4, vals, idx, groups, xs, steps, r, y + r);
    for (; r < row_hi; r++) t24_rows(1, vals, idx, groups, xs, steps, r, y + r);
    for (r = row_lo; r < row_hi; r++) y[r] += nm24_tail(vals, idx, groups, r, steps * 4, x);
}

int prune_nm24_spmv_avx2(const float *vals, const uint8_t *idx, int64_t groups, const float *x, int64_t row_lo,
                         int64_t row_hi, float *y) {
    const int64_t steps = groups / 4;
    if (!t24_runs()) return 0;
    float *xs = steps > 0 ? aligned_alloc(32, sizeof(float) * 16 * (size_t)steps) : NULL;
    if (steps > 0 && xs == NULL) return 0;
    if (steps > 0) t24_rearrange(x, steps, xs);
    t24_spmv(vals, idx, groups, x, xs, row_lo, row_hi, y);
    free(xs);
    return 1;
}
#else
int prune_nm24_spmm_avx2(const float *vals, const uint8_t *idx, int64_t groups, const float *xt, int64_t bp,
                         int64_t batch, int64_t row_lo, int64_t row_hi, float *y, int64_t ld_y) {
    (void)vals; (void)idx; (void)groups; (void)xt; (void)bp; (void)batch; (void)row_lo; (void)row_hi; (void)y;
    (void)ld_y;
    return 0;
}

int prune_nm24_spmv_avx2(const float *vals, const uint8_t *idx, int64_t groups, const float *x, int64_t row_lo,
                         int64_t row_hi, float *y) {
    (void)vals; (void)idx; (void)groups; (void)x; (void)row_lo; (void)row_hi; (void)y;
    return 0;
}
#endif
